# Turns a file into C++ source at build time, so the status page stays a plain
# HTML/JS file in the repository and the binary serves it without reading disk.
#
#   cmake -DINPUT=page.html -DOUTPUT=page.cpp -DFUNCTION=status_page_html -DHEADER=observe/status_page.hpp -P EmbedFile.cmake
#
# defines `std::string_view edgebridge::FUNCTION()` returning the file's bytes.
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "((0x..,){32})" "\\1\n  " bytes "${bytes}")
file(WRITE "${OUTPUT}"
  "// Generated from ${INPUT} by cmake/EmbedFile.cmake; do not edit.\n"
  "#include \"${HEADER}\"\n\n"
  "namespace edgebridge {\nnamespace {\nconstexpr unsigned char kBytes[${size} + 1] = {\n  ${bytes}0x00};\n}  // namespace\n\n"
  "std::string_view ${FUNCTION}() { return {reinterpret_cast<const char*>(kBytes), ${size}}; }\n\n"
  "}  // namespace edgebridge\n")
