// execve and execveat: the kernel's checks and argument rules, then one of two ways on.
//
// A RISC-V ELF (static, static-pie, or dynamic through the sysroot's ld.so) replaces the guest
// program inside this host process: the syscall checks everything that can fail (the file, its
// ELF headers, the interpreter, the layout) and hands the new program's options over
// (ExecHandover, outcome Exec); the runner then drops the old memory, translations and compiled
// code and starts the new program with the fds, signals and children Linux keeps. The host
// process, and so the pid, cwd, umask, rlimits and timers, are the same, as they are on Linux.
//
// An ELF for the host machine (x86-64: /bin/sh without a sysroot, say) is run by the host's
// execve, as qemu-user does without binfmt_misc: the guest's fds become the same host fd numbers
// (every other host fd is closed), its ignored signals stay ignored and its mask stays.
//
// A `#!` script runs its interpreter as Linux does: argv becomes interpreter, the optional
// argument (the rest of the line, one word), the script's name, then argv[1..]; interpreters
// may be scripts, five interpreters at most (ELOOP beyond, as the kernel's exec_binprm).
//
// Errors as Linux: ENOENT (no file, or no interpreter), EACCES (not a regular file, or not
// executable), ENOEXEC (neither ELF nor script, or an ELF for another machine, or one that does
// not load), E2BIG (an argument over 128 KiB, or all of them over 2 MiB), EFAULT, ENAMETOOLONG,
// ELOOP, EBADF and EINVAL for execveat's dirfd and flags. The caller continues after an error.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "vm/rv64/elf_loader.hpp"
#include "vm/rv64/syscall_context.hpp"

namespace strata::vm::rv64 {

namespace {

constexpr uint64_t kMaxArgStrlen = 32 * kPageSize;  // Linux's MAX_ARG_STRLEN
constexpr uint64_t kMaxArgTotal = 2 << 20;          // a quarter of the 8 MiB stack
constexpr int kMaxExecDepth = 5;                    // exec_binprm: files at depth 0..5
constexpr size_t kHeaderBytes = 256;                // BINPRM_BUF_SIZE: what `#!` lines may use
constexpr uint64_t kAtEmptyPath = 0x1000, kAtSymlinkNofollow = 0x100;
constexpr uint16_t kEmRiscv = 243;
#if defined(__x86_64__)
constexpr uint16_t kEmHost = 62;
#elif defined(__aarch64__)
constexpr uint16_t kEmHost = 183;
#else
constexpr uint16_t kEmHost = 0;  // no host programs
#endif

// A guest C string of at most kMaxArgStrlen bytes (with its NUL): 0, -EFAULT or -E2BIG.
int64_t read_arg(SysContext& c, uint64_t addr, std::string* out) {
  out->clear();
  // GUEST: addr is any value; read a page piece at a time, each checked.
  while (out->size() < kMaxArgStrlen) {
    const uint64_t in_page = kPageSize - (addr % kPageSize);
    const uint64_t n = c.usable(addr, in_page, false);
    if (n == 0) return -EFAULT;
    const char* p = reinterpret_cast<const char*>(c.mem.host(addr, n));
    if (p == nullptr) return -EFAULT;
    const void* nul = std::memchr(p, 0, n);
    const size_t take = nul ? static_cast<size_t>(static_cast<const char*>(nul) - p) : n;
    out->append(p, take);
    if (nul) return out->size() < kMaxArgStrlen ? 0 : -E2BIG;
    addr += n;
  }
  return -E2BIG;
}

// A NULL-terminated array of string pointers (a null array is empty, as Linux takes it).
int64_t read_args(SysContext& c, uint64_t array, std::vector<std::string>* out, uint64_t* total) {
  out->clear();
  if (array == 0) return 0;
  for (uint64_t i = 0;; ++i) {
    uint64_t ptr = 0;
    // GUEST: the array runs on until its NULL; the total bound ends a runaway one.
    if (array + i * 8 < array || !c.copy_in(array + i * 8, &ptr, 8)) return -EFAULT;
    if (ptr == 0) return 0;
    std::string s;
    if (int64_t e = read_arg(c, ptr, &s)) return e;
    *total += s.size() + 1 + 8;
    if (*total > kMaxArgTotal) return -E2BIG;
    out->push_back(std::move(s));
  }
}

struct ExecRequest {
  std::string execfn;  // the file name execve was given (AT_EXECFN)
  std::string name;    // the file being run: a script's interpreter takes it as an argument
  std::vector<std::string> argv, envp;
};

// An executable file found and checked: its host path and first bytes.
struct Found {
  std::string host_path;
  std::string exe_path;  // absolute, for /proc/self/exe
  std::vector<uint8_t> head;
  int fd = -1;  // O_RDONLY on the file, closed by the caller
};

int64_t errno_or(int64_t fallback) {
  return errno != 0 ? -static_cast<int64_t>(errno) : fallback;
}

// Opens `path` (relative to host dirfd `dir`) as execve would: ENOENT/ENOTDIR/ELOOP from the
// lookup, EACCES unless it is a regular file with execute permission.
int64_t find_executable(int dir, const std::string& path, bool nofollow, Found* f) {
  const int opath = ::openat(dir, path.c_str(), O_PATH | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0));
  if (opath < 0) return errno_or(-ENOENT);
  struct stat st;
  const std::string self = "/proc/self/fd/" + std::to_string(opath);
  int64_t err = 0;
  if (::fstat(opath, &st) != 0)
    err = errno_or(-EACCES);
  else if (!S_ISREG(st.st_mode) || ::access(self.c_str(), X_OK) != 0)
    err = -EACCES;
  if (err == 0) {
    f->fd = ::open(self.c_str(), O_RDONLY | O_CLOEXEC);
    if (f->fd < 0) err = errno_or(-EACCES);
  }
  if (err == 0) {
    if (char* real = ::realpath(self.c_str(), nullptr)) {
      f->exe_path = real;
      ::free(real);
    }
    f->head.resize(kHeaderBytes);
    const ssize_t n = ::pread(f->fd, f->head.data(), kHeaderBytes, 0);
    f->head.resize(n > 0 ? static_cast<size_t>(n) : 0);
  }
  ::close(opath);
  f->host_path = dir == AT_FDCWD || (!path.empty() && path[0] == '/')
                     ? path
                     : "/proc/self/fd/" + std::to_string(dir) + "/" + path;
  return err;
}

bool starts_with(const std::vector<uint8_t>& b, std::string_view magic) {
  return b.size() >= magic.size() && std::memcmp(b.data(), magic.data(), magic.size()) == 0;
}

uint16_t elf_machine(const std::vector<uint8_t>& head) {
  return head.size() >= 20 ? static_cast<uint16_t>(head[18] | (head[19] << 8)) : 0;
}

// The `#!` line: interpreter and optional argument. False when there is no interpreter or it
// does not fit the first kHeaderBytes (ENOEXEC, as Linux).
bool parse_shebang(const std::vector<uint8_t>& head, std::string* interp, std::string* arg) {
  std::string line(head.begin() + 2, head.end());
  const size_t nl = line.find('\n');
  const bool whole = nl != std::string::npos;
  if (whole) line.resize(nl);
  auto blank = [](char ch) { return ch == ' ' || ch == '\t'; };
  size_t i = 0;
  while (i < line.size() && blank(line[i])) ++i;
  size_t end = i;
  while (end < line.size() && !blank(line[end]) && line[end] != 0) ++end;
  if (end == i || (!whole && end == line.size())) return false;  // none, or cut off
  *interp = line.substr(i, end - i);
  size_t a = end;
  while (a < line.size() && blank(line[a])) ++a;
  size_t b = line.size();  // a cut-off argument is kept as far as it goes, as Linux does
  while (b > a && (blank(line[b - 1]) || line[b - 1] == 0)) --b;
  arg->assign(line, a, b - a);
  const size_t nul = arg->find('\0');
  if (nul != std::string::npos) arg->resize(nul);
  return true;
}

// The host side of exec: the guest's fds become the same host numbers, other host fds go, the
// signal dispositions and mask become the guest's. Returns only if execve failed, which is past
// the point of no return: the process then dies of SIGSEGV, as Linux ends it.
[[noreturn]] void exec_on_host(SysContext& c, const Found& f, const ExecRequest& r) {
  release_vfork(c);
  // Guest fds first to numbers no guest fd uses, then down to their own numbers.
  std::vector<std::pair<int, int>> moves;  // (guest fd, temporary host fd)
  std::vector<bool> target(FdTable::kMaxFds, false);
  c.fds.for_each([&](int fd, const GuestFd& e) {
    if (!e.cloexec) target[static_cast<size_t>(fd)] = true;
  });
  c.fds.for_each([&](int fd, const GuestFd& e) {
    if (e.cloexec) return;
    int tmp = ::fcntl(e.host, F_DUPFD_CLOEXEC, 0);
    // Numbers that are targets stay open as placeholders until dup2 replaces them.
    while (tmp >= 0 && tmp < FdTable::kMaxFds && target[static_cast<size_t>(tmp)])
      tmp = ::fcntl(e.host, F_DUPFD_CLOEXEC, 0);
    moves.emplace_back(fd, tmp);
  });
  int top = -1;
  for (const auto& [fd, tmp] : moves) {
    if (tmp >= 0) ::dup2(tmp, fd);  // dup2 leaves the new fd inheritable
    top = std::max(top, fd);
  }
  for (int fd = 0; fd <= top; ++fd)
    if (!target[static_cast<size_t>(fd)]) ::close(fd);
  ::syscall(SYS_close_range, static_cast<unsigned>(top + 1), ~0u, 0u);

  // Signal numbers 1..64 are the same on riscv64 and the hosts Strata runs on.
  for (int sig = 1; sig <= 64; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    struct sigaction sa {};
    sa.sa_handler = c.signals.actions[static_cast<size_t>(sig)].handler == 1 ? SIG_IGN : SIG_DFL;
    ::sigaction(sig, &sa, nullptr);  // glibc's own signals refuse: they are not the guest's
  }
  sigset_t mask;
  sigemptyset(&mask);
  for (int sig = 1; sig <= 64; ++sig)
    if (c.signals.blocked & (uint64_t{1} << (sig - 1))) sigaddset(&mask, sig);
  ::sigprocmask(SIG_SETMASK, &mask, nullptr);

  std::vector<char*> argv, envp;
  for (const std::string& s : r.argv) argv.push_back(const_cast<char*>(s.c_str()));
  argv.push_back(nullptr);
  for (const std::string& s : r.envp) envp.push_back(const_cast<char*>(s.c_str()));
  envp.push_back(nullptr);
  // By its absolute path: a path through /proc/self/fd may name an fd closed above.
  const std::string& path = f.exe_path.empty() ? f.host_path : f.exe_path;
  ::execve(path.c_str(), argv.data(), envp.data());
  const std::string note =
      fmt::format("strata: rv64: execve of the host program {}: {}\n", path, std::strerror(errno));
  if (::write(2, note.data(), note.size()) < 0) {
    // nowhere left to say it
  }
  ::signal(SIGSEGV, SIG_DFL);
  sigdelset(&mask, SIGSEGV);
  ::sigprocmask(SIG_SETMASK, &mask, nullptr);
  ::raise(SIGSEGV);
  ::_exit(128 + SIGSEGV);
}

// The whole execve once the file is found: by its first bytes, a script (its interpreter, up to
// kMaxExecDepth deep), a RISC-V program or a host program.
int64_t exec_found(SysContext& c, Found& f, ExecRequest& r, int depth) {
  if (depth > kMaxExecDepth) return -ELOOP;
  if (starts_with(f.head, "#!")) {
    std::string interp, arg;
    if (!parse_shebang(f.head, &interp, &arg)) return -ENOEXEC;
    std::vector<std::string> argv = {interp};
    if (!arg.empty()) argv.push_back(arg);
    argv.push_back(r.name);
    if (!r.argv.empty()) argv.insert(argv.end(), r.argv.begin() + 1, r.argv.end());
    r.argv = std::move(argv);
    r.name = interp;
    Found next;
    const int64_t e = find_executable(AT_FDCWD, c.host_path(interp), false, &next);
    if (e == 0) {
      const int64_t done = exec_found(c, next, r, depth + 1);
      ::close(next.fd);
      return done;
    }
    if (next.fd >= 0) ::close(next.fd);
    return e;
  }
  if (!starts_with(f.head,
                   "\x7f"
                   "ELF"))
    return -ENOEXEC;
  const uint16_t machine = elf_machine(f.head);
  if (machine == kEmHost && kEmHost != 0) exec_on_host(c, f, r);
  if (machine != kEmRiscv) return -ENOEXEC;

  auto image = read_host_file(f.exe_path.empty() ? f.host_path : f.exe_path);
  if (!image) return -EACCES;
  auto parsed = parse_elf(*image, 0x10000, f.host_path);
  if (!parsed) {
    c.note_once(fmt::format("strata: rv64: execve: {}", parsed.error().message));
    return -ENOEXEC;
  }
  if (!parsed->interp.empty() && c.opts.sysroot.empty()) {
    // Linux would look for the interpreter on the host, where there is no riscv64 ld.so.
    c.note_once(fmt::format(
        "strata: rv64: execve: {} needs its dynamic linker {} (give strata run --sysroot)", r.name,
        parsed->interp));
    return -ENOENT;
  }
  if (!parsed->interp.empty() && ::access((c.opts.sysroot + parsed->interp).c_str(), R_OK) != 0) {
    c.note_once(fmt::format("strata: rv64: execve: {} needs {}, which the sysroot {} lacks", r.name,
                            parsed->interp, c.opts.sysroot));
    return -ENOENT;
  }
  if (auto ok = check_exec_image(*image, c.opts.sysroot, c.mem.top(), f.host_path); !ok) {
    c.note_once(fmt::format("strata: rv64: execve: {}", ok.error().message));
    return -ENOEXEC;
  }
  auto h = std::make_shared<ExecHandover>();
  h->opts = c.opts;
  h->opts.path = f.host_path;
  h->opts.argv = std::move(r.argv);
  h->opts.envp = std::move(r.envp);
  h->execfn = r.execfn;
  h->exe_path = f.exe_path.empty() ? f.host_path : f.exe_path;
  h->image = std::move(*image);
  c.exec = std::move(h);
  c.outcome = SyscallOutcome{SyscallOutcome::Kind::Exec, 0};
  return 0;
}

int64_t do_execveat(SysContext& c, uint64_t dirfd, uint64_t path_addr, uint64_t argv_addr,
                    uint64_t envp_addr, uint64_t flags) {
  if (flags & ~(kAtEmptyPath | kAtSymlinkNofollow)) return -EINVAL;
  ExecRequest r;
  if (int e = c.read_path(path_addr, &r.name)) return e;
  uint64_t total = 0;
  if (int64_t e = read_args(c, argv_addr, &r.argv, &total)) return e;
  if (int64_t e = read_args(c, envp_addr, &r.envp, &total)) return e;

  Found f;
  int64_t err;
  const bool by_fd = arg_int(dirfd) != AT_FDCWD && (r.name.empty() || r.name[0] != '/');
  if (r.name.empty() && (flags & kAtEmptyPath)) {
    // fexecve: the file is the fd itself.
    const int host = c.fds.host(arg_int(dirfd));
    if (host < 0) return -EBADF;
    err = find_executable(AT_FDCWD, "/proc/self/fd/" + std::to_string(host), false, &f);
  } else {
    int dir = AT_FDCWD;
    std::string path;
    if (int64_t e = c.resolve_at(dirfd, path_addr, &dir, &path)) return e;
    err = find_executable(dir, path, (flags & kAtSymlinkNofollow) != 0, &f);
  }
  if (by_fd) {
    // The name Linux gives a file found through a dirfd (a script's interpreter reads it).
    const std::string dev = "/dev/fd/" + std::to_string(arg_int(dirfd));
    const GuestFd* e = c.fds.get(arg_int(dirfd));
    // A close-on-exec fd is gone by the time the interpreter would open the script.
    if (err == 0 && starts_with(f.head, "#!") && e != nullptr && e->cloexec) err = -ENOENT;
    r.name = r.name.empty() ? dev : dev + "/" + r.name;
  }
  r.execfn = r.name;
  // Linux runs a program with an empty argv with argv[0] = "" instead.
  if (r.argv.empty()) r.argv.push_back("");
  if (err == 0) err = exec_found(c, f, r, 0);
  if (f.fd >= 0) ::close(f.fd);
  return err;
}

int64_t sys_execve(SysContext& c, const SyscallArgs& a) {
  return do_execveat(c, static_cast<uint64_t>(static_cast<int64_t>(AT_FDCWD)), a[0], a[1], a[2], 0);
}

int64_t sys_execveat(SysContext& c, const SyscallArgs& a) {
  return do_execveat(c, a[0], a[1], a[2], a[3], a[4]);
}

}  // namespace

void add_exec_syscalls(SyscallTable& t) {
  t[221] = sys_execve;
  t[281] = sys_execveat;
}

}  // namespace strata::vm::rv64
