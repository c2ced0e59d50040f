#pragma once
// Errors and warnings found while reading bridge.yaml. Every one carries the
// file, line and column (1-based), the key path (remotes.ops.tls.key_file) and a
// sentence saying what is wrong and what would be valid. All are collected so a
// user sees every mistake at once.

#include <string>
#include <vector>

namespace edgebridge {

struct Location {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based; 0 when unknown
};

enum class Severity { error, warning };

struct Diagnostic {
  Severity severity = Severity::error;
  Location where;
  std::string path;  // key path, e.g. "remotes.ops.keepalive"; may be empty
  std::string message;
};

// "bridge.yaml:12:5: error: remotes.ops.keepalive: ..."
std::string format(const Diagnostic& d);

class Diagnostics {
 public:
  void error(Location where, std::string path, std::string message);
  void warning(Location where, std::string path, std::string message);

  bool has_errors() const;
  std::size_t error_count() const;
  const std::vector<Diagnostic>& all() const { return items_; }
  // Every diagnostic, one per line, in file order.
  std::string format_all() const;

 private:
  std::vector<Diagnostic> items_;
};

}  // namespace edgebridge
