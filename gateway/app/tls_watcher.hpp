#pragma once
// Certificate rotation without a restart. Every `gateway.tls_check_interval`
// (default 10s) the watcher looks at each remote's ca_file, cert_file and
// key_file (inode, size, modification time). When one changed and its content
// differs from what the connection uses, the files are checked the way the
// loader checks them (tls_files.hpp: certificates parse, not expired, key not
// world-readable and belonging to the certificate):
//  - good: the remote reconnects with them (RemoteLink::reload_tls);
//  - not good: nothing changes, the connection stays up. The files are looked
//    at again on every check, so a certificate and key written one after the
//    other are taken once the pair matches. A state that stays bad for two
//    checks in a row is logged at warn once (a half-finished rotation that
//    completes within one interval logs nothing).
// Files replaced by rename (atomic replace) are seen through the new inode.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config/config.hpp"

namespace edgebridge {

class TlsWatcher {
 public:
  // Called on the watcher's thread with files that passed the checks.
  using Apply = std::function<void(const std::string& remote, const TlsConfig& tls)>;

  TlsWatcher(Duration interval, Apply apply);
  ~TlsWatcher();
  TlsWatcher(const TlsWatcher&) = delete;
  TlsWatcher& operator=(const TlsWatcher&) = delete;

  // The remotes to watch, with the files their connections use now. A remote
  // already watched with the same files keeps what it has seen; a new one (or
  // new paths) starts from the files as they are.
  void set_remotes(const std::vector<RemoteConfig>& remotes);
  void set_interval(Duration interval);
  void start();
  void stop();
  // One check of every remote now, reading the files even if they look
  // unchanged (SIGHUP). Returns the number of remotes that were reconnected.
  int check_now();

  // One file as last seen: identity, size, time and a hash of its content.
  struct FileState {
    bool exists = false;
    std::uint64_t device = 0, inode = 0, size = 0;
    std::int64_t mtime_ns = 0;
    std::uint64_t content_hash = 0;
    bool same_stat(const FileState& o) const {
      return exists == o.exists && device == o.device && inode == o.inode && size == o.size &&
             mtime_ns == o.mtime_ns;
    }
  };

 private:
  struct Watched {
    TlsConfig tls;
    std::vector<FileState> applied;   // the files the connection uses (ca, cert, key)
    std::vector<FileState> seen;      // as at the last check
    std::vector<FileState> refused;   // the last bad state already logged
    int bad_checks = 0;               // consecutive checks that found the same bad state
  };

  void run();
  // Looks at one remote's files (mu_ held); true when they should be applied.
  bool check(const std::string& name, Watched& w, bool force_read);
  // Checks every remote and applies (outside mu_) what passed. Returns how many.
  int check_all(bool force_read);

  Apply apply_;
  std::mutex mu_;  // guards everything below; never held while applying
  std::condition_variable cv_;
  Duration interval_;
  bool stopping_ = false;
  std::map<std::string, Watched> remotes_;
  std::thread thread_;
};

}  // namespace edgebridge
