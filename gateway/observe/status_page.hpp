#pragma once
// The status page an installer opens on site (GET / and GET /status.js): the
// bytes of status_page.html and status_page.js, embedded at build time by
// cmake/EmbedFile.cmake (see gateway/observe/CMakeLists.txt).

#include <string_view>

namespace edgebridge {

std::string_view status_page_html();
std::string_view status_page_script();

}  // namespace edgebridge
