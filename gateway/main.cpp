// The only file not linked into the tests: it hands the command line, the list
// of device kinds and the extra subcommands to the CLI.
#include "catalog/catalog.hpp"
#include "cli/cli.hpp"

int main(int argc, char** argv) {
  return edgebridge::cli_main(argc, argv, edgebridge::device_catalog(), edgebridge::cli_extensions());
}
