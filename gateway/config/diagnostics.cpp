#include "config/diagnostics.hpp"

#include <algorithm>
#include <sstream>

namespace edgebridge {

std::string format(const Diagnostic& d) {
  std::ostringstream out;
  out << (d.where.file.empty() ? "<config>" : d.where.file);
  if (d.where.line > 0) {
    out << ':' << d.where.line;
    if (d.where.column > 0) out << ':' << d.where.column;
  }
  out << (d.severity == Severity::error ? ": error: " : ": warning: ");
  if (!d.path.empty()) out << d.path << ": ";
  out << d.message;
  return out.str();
}

void Diagnostics::error(Location where, std::string path, std::string message) {
  items_.push_back({Severity::error, std::move(where), std::move(path), std::move(message)});
}

void Diagnostics::warning(Location where, std::string path, std::string message) {
  items_.push_back({Severity::warning, std::move(where), std::move(path), std::move(message)});
}

bool Diagnostics::has_errors() const { return error_count() > 0; }

std::size_t Diagnostics::error_count() const {
  return static_cast<std::size_t>(std::count_if(
      items_.begin(), items_.end(), [](const Diagnostic& d) { return d.severity == Severity::error; }));
}

std::string Diagnostics::format_all() const {
  std::vector<const Diagnostic*> sorted;
  sorted.reserve(items_.size());
  for (const auto& d : items_) sorted.push_back(&d);
  std::stable_sort(sorted.begin(), sorted.end(), [](const Diagnostic* a, const Diagnostic* b) {
    if (a->where.line != b->where.line) return a->where.line < b->where.line;
    return a->where.column < b->where.column;
  });
  std::string out;
  for (const auto* d : sorted) {
    out += format(*d);
    out += '\n';
  }
  return out;
}

}  // namespace edgebridge
