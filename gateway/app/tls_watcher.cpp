#include "app/tls_watcher.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <fstream>
#include <iterator>

#include "config/tls_files.hpp"

namespace edgebridge {
namespace {

std::vector<std::string> paths_of(const TlsConfig& tls) { return {tls.ca_file, tls.cert_file, tls.key_file}; }

// Stats `path`; reads and hashes it when asked or when it differs from `before`.
TlsWatcher::FileState look_at(const std::string& path, const TlsWatcher::FileState* before, bool force_read) {
  TlsWatcher::FileState s;
  struct stat st {};
  if (path.empty() || ::stat(path.c_str(), &st) != 0) return s;
  s.exists = true;
  s.device = static_cast<std::uint64_t>(st.st_dev);
  s.inode = static_cast<std::uint64_t>(st.st_ino);
  s.size = static_cast<std::uint64_t>(st.st_size);
  s.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  if (!force_read && before && before->same_stat(s)) {
    s.content_hash = before->content_hash;
    return s;
  }
  std::ifstream in(path, std::ios::binary);
  const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  s.content_hash = std::hash<std::string>{}(content);
  return s;
}

std::vector<TlsWatcher::FileState> look_at_all(const TlsConfig& tls, const std::vector<TlsWatcher::FileState>& before,
                                               bool force_read) {
  const auto paths = paths_of(tls);
  std::vector<TlsWatcher::FileState> out;
  for (std::size_t i = 0; i < paths.size(); ++i)
    out.push_back(look_at(paths[i], i < before.size() ? &before[i] : nullptr, force_read));
  return out;
}

bool same_content(const std::vector<TlsWatcher::FileState>& a, const std::vector<TlsWatcher::FileState>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].exists != b[i].exists || a[i].content_hash != b[i].content_hash) return false;
  return true;
}

bool watched(const RemoteConfig& r) {
  return r.url.tls() && (!r.tls.ca_file.empty() || !r.tls.cert_file.empty() || !r.tls.key_file.empty());
}

}  // namespace

TlsWatcher::TlsWatcher(Duration interval, Apply apply) : apply_(std::move(apply)), interval_(interval) {}

TlsWatcher::~TlsWatcher() { stop(); }

void TlsWatcher::set_remotes(const std::vector<RemoteConfig>& remotes) {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, Watched> next;
  for (const auto& r : remotes) {
    if (!watched(r)) continue;
    auto it = remotes_.find(r.name);
    if (it != remotes_.end() && paths_of(it->second.tls) == paths_of(r.tls)) {
      Watched w = std::move(it->second);
      w.tls = r.tls;  // alpn and the flags may have changed with the paths the same
      next.emplace(r.name, std::move(w));
      continue;
    }
    Watched w;
    w.tls = r.tls;
    w.applied = look_at_all(r.tls, {}, true);
    w.seen = w.applied;
    next.emplace(r.name, std::move(w));
  }
  remotes_ = std::move(next);
}

void TlsWatcher::set_interval(Duration interval) {
  std::lock_guard<std::mutex> lock(mu_);
  interval_ = interval;
  cv_.notify_all();
}

void TlsWatcher::start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void TlsWatcher::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

int TlsWatcher::check_now() { return check_all(true); }

void TlsWatcher::run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, interval_, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    check_all(false);
    lock.lock();
  }
}

int TlsWatcher::check_all(bool force_read) {
  std::vector<std::pair<std::string, TlsConfig>> to_apply;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [name, w] : remotes_)
      if (check(name, w, force_read)) to_apply.emplace_back(name, w.tls);
  }
  for (const auto& [name, tls] : to_apply) apply_(name, tls);
  return static_cast<int>(to_apply.size());
}

bool TlsWatcher::check(const std::string& name, Watched& w, bool force_read) {
  const auto now = look_at_all(w.tls, w.seen, force_read);
  w.seen = now;
  if (same_content(now, w.applied)) {
    w.applied = now;  // e.g. touched, or replaced by an identical copy
    w.bad_checks = 0;
    return false;
  }
  const auto problems = check_tls_file_contents(w.tls);
  if (!has_tls_errors(problems)) {
    for (const auto& p : problems)
      spdlog::warn("TLS file warning. remote={} key={} warning=\"{}\"", name, p.key, p.message);
    spdlog::info("TLS files changed; reconnecting with them. remote={} cert_file={}", name, w.tls.cert_file);
    w.applied = now;
    w.bad_checks = 0;
    w.refused.clear();
    return true;
  }
  // Not usable (yet): keep the connection; say so once the state has held still.
  if (same_content(now, w.refused)) return false;  // already logged this state
  ++w.bad_checks;
  if (w.bad_checks < 2 && !force_read) return false;
  for (const auto& p : problems) {
    if (p.severity != Severity::error) continue;
    spdlog::error("TLS files changed but cannot be used; keeping the current connection. remote={} key={} error=\"{}\"",
                  name, p.key, p.message);
  }
  w.refused = now;
  w.bad_checks = 0;
  return false;
}

}  // namespace edgebridge
