// Process: loading (segments, layout, initial stack and registers) and the syscall dispatch.
// The syscalls themselves live in the syscall_*.cpp files, one area each.
#include "vm/rv64/process.hpp"

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <span>

#include <fmt/format.h>

#include "vm/rv64/blocked_call.hpp"
#include "vm/rv64/elf_loader.hpp"
#include "vm/rv64/initial_stack.hpp"
#include "vm/rv64/signal_frame.hpp"
#include "vm/rv64/syscall_context.hpp"

namespace strata::vm::rv64 {

struct Process::Impl {
  explicit Impl(GuestMemory& mem) : ctx(mem) {}
  SysContext ctx;
  SignalDelivery signals;
  uint64_t entry = 0;
};

namespace {

constexpr uint64_t kStackSize = 8 << 20;
constexpr uint64_t kStackGuard = kPageSize;   // unmapped page between the stack and top
constexpr uint64_t kStackGap = 1 << 20;       // never allocated below the stack
constexpr uint64_t kBrkSpanMax = 1ull << 30;  // the brk heap grows at most this far
constexpr uint64_t kInterpBase = 1ull << 30;

const SyscallTable& table() {
  static const SyscallTable t = [] {
    SyscallTable s{};
    add_file_syscalls(s);
    add_path_syscalls(s);
    add_stat_syscalls(s);
    add_memory_syscalls(s);
    add_time_syscalls(s);
    add_misc_syscalls(s);
    add_signal_syscalls(s);
    add_fsops_syscalls(s);
    add_poll_syscalls(s);
    add_futex_syscalls(s);
    add_thread_syscalls(s);
    add_exec_syscalls(s);
    add_socket_syscalls(s);
    add_epoll_syscalls(s);
    return s;
  }();
  return t;
}

uint64_t page_end(const Segment& s) {
  uint64_t end = 0;
  page_up(s.vaddr + s.memsz, &end);
  return end;
}

// Checks that an image lies in [kGuestMinAddr, limit) without overflow.
Result<void> check_fits(const ElfImage& image, uint64_t limit, const std::string& what) {
  for (const Segment& s : image.segments) {
    if (s.vaddr < kGuestMinAddr || s.memsz > limit || s.vaddr > limit - s.memsz ||
        page_end(s) > limit)
      return fail(
          "{}: segment at {:#x} (+{:#x}) does not fit the guest address space [{:#x}, {:#x})", what,
          s.vaddr, s.memsz, kGuestMinAddr, limit);
  }
  return {};
}

// Copies an image's segments and records their pages; pages shared by two segments get the
// union of both permissions.
void map_image(SysContext& c, const ElfImage& image) {
  for (const Segment& s : image.segments) {
    c.mem.write(s.vaddr, s.bytes.data(), s.bytes.size());
    uint8_t* bss = c.mem.host(s.vaddr + s.bytes.size(), s.memsz - s.bytes.size());
    if (bss) std::memset(bss, 0, s.memsz - s.bytes.size());
    const uint64_t lo = page_down(s.vaddr), hi = page_end(s);
    for (uint64_t p = lo; p < hi; p += kPageSize)
      c.mem.set_perms(p, kPageSize, c.mem.perms_at(p) | s.perms);
  }
  for (const Segment& s : image.segments) {
    const uint64_t lo = page_down(s.vaddr), hi = page_end(s);
    if (lo == hi) continue;
    c.vmas.insert(lo, hi, s.perms, false);
  }
  // Re-insert the edge pages with their merged permissions.
  for (const Segment& s : image.segments) {
    const uint64_t lo = page_down(s.vaddr), hi = page_end(s);
    if (lo == hi) continue;
    c.vmas.insert(lo, lo + kPageSize, c.mem.perms_at(lo), false);
    c.vmas.insert(hi - kPageSize, hi, c.mem.perms_at(hi - kPageSize), false);
  }
}

}  // namespace

namespace {

// Where a program goes in a guest space whose top is `mem_top` (see the layout above).
struct Placement {
  LoadPlan plan;
  uint64_t stack_top = 0, stack_bottom = 0, ceiling = 0;
};

Result<Placement> place(std::span<const uint8_t> file, const std::string& sysroot, uint64_t mem_top,
                        const std::string& what) {
  const uint64_t top = page_down(mem_top);
  if (top < kGuestMinAddr + kStackSize + kStackGuard + kStackGap + (16 << 20))
    return fail("{}: the guest address space (top {:#x}) is too small for a process", what,
                mem_top);
  Placement p;
  p.stack_top = top - kStackGuard;
  p.stack_bottom = p.stack_top - kStackSize;
  p.ceiling = p.stack_bottom - kStackGap;
  LoadOptions load;
  load.sysroot = sysroot;
  load.interp_base = top >= (2ull << 30) ? kInterpBase : page_down(top / 4);
  auto plan_or = plan_load(file, load);
  if (!plan_or) return fail("{}: {}", what, plan_or.error().message);
  p.plan = std::move(*plan_or);
  STRATA_TRY(check_fits(p.plan.exe, p.ceiling, what));
  if (p.plan.interp) STRATA_TRY(check_fits(*p.plan.interp, p.ceiling, what + " (interpreter)"));
  if (p.plan.brk_start >= p.ceiling)
    return fail("{}: no room for the heap below {:#x}", what, p.ceiling);
  return p;
}

}  // namespace

Result<void> check_exec_image(std::span<const uint8_t> file, const std::string& sysroot,
                              uint64_t mem_top, const std::string& what) {
  STRATA_TRY(place(file, sysroot, mem_top, what));
  return {};
}

Result<std::unique_ptr<Process>> Process::create(GuestMemory& mem, const ProcessOptions& opts) {
  ExecHandover h;
  h.opts = opts;
  h.execfn = opts.path;
  h.image = STRATA_TRY(read_host_file(opts.path));
  if (char* real = ::realpath(opts.path.c_str(), nullptr)) {
    h.exe_path = real;
    ::free(real);
  } else {
    h.exe_path = opts.path;
  }
  h.fds.put(0, GuestFd{opts.stdin_fd, false, false});
  h.fds.put(1, GuestFd{opts.stdout_fd, false, false});
  h.fds.put(2, GuestFd{opts.stderr_fd, false, false});
  return create_process(mem, std::move(h), true);
}

Result<std::unique_ptr<Process>> Process::create(GuestMemory& mem,
                                                 std::shared_ptr<ExecHandover> handover) {
  if (!handover) return fail("exec: nothing handed over");
  return create_process(mem, std::move(*handover), false);
}

Result<std::unique_ptr<Process>> Process::create_process(GuestMemory& mem, ExecHandover&& h,
                                                         bool first) {
  const ProcessOptions& opts = h.opts;
  const Placement placed = STRATA_TRY(place(h.image, opts.sysroot, mem.top(), opts.path));
  const LoadPlan& plan = placed.plan;
  const uint64_t stack_top = placed.stack_top, stack_bottom = placed.stack_bottom,
                 ceiling = placed.ceiling;

  // Like the kernel, the loader may write pages the guest may not (guest_memory.hpp).
  const GuestMemory::KernelAccess kernel(mem);
  auto process = std::unique_ptr<Process>(new Process());
  process->impl_ = std::make_unique<Impl>(mem);
  SysContext& c = process->impl_->ctx;
  c.opts = opts;
  c.code_change = &process->on_code_change;
  c.before_fork = &process->before_fork;
  c.on_fork = &process->on_fork;
  c.pid = static_cast<int>(::getpid());
  c.threads.list.push_back(GuestThread{});
  c.threads.list[0].tid = c.pid;
  if (first) {
    init_rlimits(c);
  } else {
    c.rlimits = h.rlimits;
    c.signals = h.signals;
    c.children = std::move(h.children);
    c.reported = std::move(h.reported);
    c.notes = std::move(h.notes);
  }
  c.exe_path = h.exe_path;
  map_image(c, plan.exe);
  if (plan.interp) map_image(c, *plan.interp);

  ProcessLayout& l = c.layout;
  l.brk_start = plan.brk_start;
  l.stack_bottom = stack_bottom;
  l.stack_top = stack_top;
  l.mmap_ceiling = ceiling;
  const uint64_t span = std::min(kBrkSpanMax, page_down((ceiling - plan.brk_start) / 2));
  l.brk_max = plan.brk_start + span;
  if (plan.interp && plan.interp->lowest >= plan.brk_start)
    l.brk_max = std::min(l.brk_max, plan.interp->lowest);
  l.mmap_floor = l.brk_max;
  c.brk = l.brk_start;

  // The sigreturn trampoline (signal_frame.hpp): the lowest page of the gap below the stack,
  // which mmap never allocates; read+exec like the vDSO it stands in for.
  process->impl_->signals.trampoline = ceiling;
  mem.write(ceiling, kTrampolineCode, sizeof kTrampolineCode);
  mem.set_perms(ceiling, kPageSize, kPermRead | kPermExec);
  c.vmas.insert(ceiling, ceiling + kPageSize, kPermRead | kPermExec, false);

  c.vmas.insert(stack_bottom, stack_top, kPermRead | kPermWrite, true);
  mem.set_perms(stack_bottom, kStackSize, kPermRead | kPermWrite);

  StackParams sp;
  sp.stack_top = stack_top;
  sp.argv = opts.argv;
  sp.envp = opts.envp;
  sp.execfn = h.execfn;
  sp.phdr = plan.exe.phdr_addr;
  sp.phent = plan.exe.phent;
  sp.phnum = plan.exe.phnum;
  sp.entry = plan.exe.entry;
  sp.base = plan.at_base;
  sp.uid = ::getuid();
  sp.gid = ::getgid();
  sp.random_seed = opts.random_seed;
  auto image = build_initial_stack(sp);
  if (!image) return fail("{}: initial stack: {}", opts.path, image.error().message);
  if (image->sp < stack_bottom || !mem.write(image->sp, image->bytes.data(), image->bytes.size()))
    return fail("{}: the initial stack does not fit the 8 MiB stack", opts.path);

  // Linux starts a process with every register 0 except sp (a0 = 0: no rtld_fini for _start).
  for (uint32_t off = 0; off < state::kEnd; off += 8) mem.set_state(off, 0);
  mem.set_x(2, image->sp);
  mem.set_state(state::kPc, plan.start_pc);
  process->impl_->entry = plan.start_pc;

  c.fds = std::move(h.fds);
  return process;
}

Process::~Process() {
  // A vfork child that ends (exit, a fatal signal) without an exec lets its parent go on here.
  if (impl_) {
    const GuestMemory::KernelAccess kernel(impl_->ctx.mem);
    release_vfork(impl_->ctx);
  }
}

std::shared_ptr<ExecHandover> Process::take_exec() {
  SysContext& c = impl_->ctx;
  std::shared_ptr<ExecHandover> h = std::move(c.exec);
  if (!h) return nullptr;
  release_vfork(c);
  c.fds.close_on_exec();
  h->fds = std::move(c.fds);
  h->signals = c.signals;
  for (SignalState::Action& a : h->signals.actions)
    if (a.handler > 1) a = SignalState::Action{};  // handlers are gone with the program
  h->rlimits = c.rlimits;
  h->children = c.children;
  h->reported = c.reported;
  h->notes = c.notes;
  return h;
}

uint64_t Process::entry_pc() const {
  return impl_->entry;
}

const ProcessStats& Process::stats() const {
  return impl_->ctx.stats;
}

const ProcessLayout& Process::layout() const {
  return impl_->ctx.layout;
}

size_t Process::thread_count() const {
  return impl_->ctx.threads.list.size();
}

bool Process::idle() const {
  return impl_->ctx.threads.idle;
}

const ThreadStats& Process::thread_stats() const {
  return impl_->ctx.threads.stats;
}

uint64_t Process::preempt(uint64_t pc) {
  SysContext& c = impl_->ctx;
  ThreadTable& tt = c.threads;
  if (tt.idle || tt.list.size() < 2) return pc;
  c.mem.set_state(state::kPc, pc);
  save_running(c);
  wake_parked(c, 0);
  schedule_from(c, tt.current + 1);  // finds the running thread at worst
  return c.mem.state(state::kPc);
}

bool Process::wait_runnable(int64_t max_ns) {
  SysContext& c = impl_->ctx;
  if (!c.threads.idle) return true;
  wake_parked(c, 0);
  if (schedule_from(c, c.threads.current)) return true;
  wake_parked(c, max_ns);
  return schedule_from(c, c.threads.current);
}

uint64_t Process::sigreturn_trampoline() const {
  return impl_->signals.trampoline;
}

SyscallOutcome Process::deliver_fault(const Fault& f) {
  SysContext& c = impl_->ctx;
  const GuestMemory::KernelAccess kernel(c.mem);
  // GUEST: f.sig comes from the runner, but stay inside the action table whatever it is.
  if (f.sig < 1 || f.sig > 64) return SyscallOutcome{SyscallOutcome::Kind::Signal, f.sig};
  const SignalState::Action& act = c.signals.actions[static_cast<size_t>(f.sig)];
  const bool blocked = c.signals.blocked & (uint64_t{1} << (f.sig - 1));
  // Linux forces a synchronous fault: blocked or ignored, it takes the default action.
  if (act.handler <= 1 || blocked) return SyscallOutcome{SyscallOutcome::Kind::Signal, f.sig};
  c.outcome = SyscallOutcome{};
  if (!setup_frame(c, impl_->signals, f.sig, fault_siginfo(f.sig, f.code, f.addr), f.pc)) {
    c.diag(fmt::format(
        "strata: rv64: cannot write the frame for signal {} on the guest stack (sp 0x{:x}); "
        "killing the process with SIGSEGV",
        f.sig, c.mem.x(2)));
    return SyscallOutcome{SyscallOutcome::Kind::Signal, 11};
  }
  return SyscallOutcome{SyscallOutcome::Kind::Redirect, 0};
}

namespace {

// The siginfo Linux gives a signal that syscall `nr` made pending: tkill and tgkill say
// SI_TKILL; kill, and the kernel's own sends (SIGPIPE), SI_USER with the sender's pid and uid.
Siginfo siginfo_from(uint64_t nr, int sig, int pid) {
  const int32_t code = nr == 130 || nr == 131 ? kSiTkill : kSiUser;
  return user_siginfo(sig, code, pid, static_cast<uint32_t>(::getuid()));
}

}  // namespace

namespace {

// The running thread gave the CPU up in the syscall at `at` (ThreadTable::leave): it is saved to
// go on after the ecall, or dropped; the next thread that can run takes the state page.
void leave_thread(SysContext& c, uint64_t at) {
  ThreadTable& tt = c.threads;
  const ThreadTable::Leave leave = tt.leave;
  tt.leave = ThreadTable::Leave::None;
  if (c.outcome.kind != SyscallOutcome::Kind::Continue) return;  // the process ended
  size_t from = tt.current + 1;
  if (leave == ThreadTable::Leave::Exit) {
    tt.list.erase(tt.list.begin() + static_cast<std::ptrdiff_t>(tt.current));
    from = tt.current;
    tt.current = 0;
  } else if (leave == ThreadTable::Leave::Park) {
    // The ecall runs again when the wait ends, and is counted once.
    c.mem.set_state(state::kPc, at);
    c.mem.set_state(state::kInstret, c.mem.state(state::kInstret) - 1);
    save_running(c);
  } else {
    c.mem.set_state(state::kPc, at + 4);
    save_running(c);
  }
  c.outcome = SyscallOutcome{
      schedule_from(c, from) ? SyscallOutcome::Kind::Redirect : SyscallOutcome::Kind::Idle, 0};
}

}  // namespace

SyscallOutcome Process::syscall() {
  SysContext& c = impl_->ctx;
  SignalDelivery& d = impl_->signals;
  GuestMemory& mem = c.mem;
  // Syscalls act for the guest like the kernel: they may touch pages the guest may not (zeroing
  // unmapped pages, filling a new read-only mapping); the guest's protections return after.
  const GuestMemory::KernelAccess kernel(mem);
  c.outcome = SyscallOutcome{};
  ++c.stats.syscalls;
  const uint64_t nr = mem.x(17);
  const uint64_t at = mem.state(state::kPc);
  const uint64_t pending_before = c.signals.pending;
  const SyscallArgs args = {mem.x(10), mem.x(11), mem.x(12), mem.x(13), mem.x(14), mem.x(15)};
  int64_t result;
  bool own_info = false;  // the syscall recorded the siginfo of what it sent
  // GUEST: nr is any 64-bit value.
  if (nr == 132) {
    result = sys_sigaltstack(c, d, args);
  } else if (nr == 139) {
    result = sys_rt_sigreturn(c, d);
  } else if (nr == 138 || nr == 240) {
    result = sys_rt_sigqueueinfo(c, d, args, nr == 240);
    own_info = true;
  } else if (nr < kMaxSyscall && table()[nr]) {
    result = table()[nr](c, args);
  } else {
    result = -ENOSYS;
    ++c.stats.unsupported;
    if (c.reported.insert(nr).second)
      c.diag(fmt::format("strata: rv64: unsupported syscall {} ({}), returning ENOSYS", nr,
                         syscall_name(nr)));
  }
  const bool parked = c.threads.leave == ThreadTable::Leave::Park;
  // A parked call keeps its arguments for its retry (blocked_call.hpp); a finished one forgets it.
  if (c.outcome.kind == SyscallOutcome::Kind::Continue && !parked)
    mem.set_x(10, static_cast<uint64_t>(result));
  if (!parked) c.threads.running().call.reset();
  if (c.threads.leave != ThreadTable::Leave::None) leave_thread(c, at);
  if (!own_info) {
    const uint64_t sent = c.signals.pending & ~pending_before;
    for (int sig = 1; sig <= 64; ++sig)
      if (sent & (uint64_t{1} << (sig - 1)))
        d.info[static_cast<size_t>(sig)] = siginfo_from(nr, sig, c.pid);
  }
  // Pending signals that may be delivered now are, as the syscall returns: their frames save the
  // state the guest would resume in (a0 = the result, pc after the ecall or as sigreturn set it).
  // Not to a thread switched in to run its parked call again: a handler's own syscalls would end
  // that call's record (its timeout, a pipe write's count); they wait until the call returns.
  const bool retrying =
      c.outcome.kind == SyscallOutcome::Kind::Redirect && c.threads.running().call.has_value();
  if (!retrying && (c.outcome.kind == SyscallOutcome::Kind::Continue ||
                    c.outcome.kind == SyscallOutcome::Kind::Redirect)) {
    const uint64_t resume =
        c.outcome.kind == SyscallOutcome::Kind::Redirect ? mem.state(state::kPc) : at + 4;
    if (deliver_pending(c, d, resume) && c.outcome.kind == SyscallOutcome::Kind::Continue)
      c.outcome = SyscallOutcome{SyscallOutcome::Kind::Redirect, 0};
  }
  if (c.opts.trace_syscalls) {
    const std::string end =
        parked                                             ? std::string("parks the thread")
        : c.outcome.kind == SyscallOutcome::Kind::Continue ? fmt::format("= {}", result)
        : c.outcome.kind == SyscallOutcome::Kind::Idle     ? std::string("every thread waits")
        : c.outcome.kind == SyscallOutcome::Kind::Exec
            ? fmt::format("= 0, runs {}", c.exec ? c.exec->opts.path : std::string("?"))
        : c.outcome.kind == SyscallOutcome::Kind::Redirect
            ? fmt::format("= {}, continues at 0x{:x}", result, mem.state(state::kPc))
            : fmt::format("ends the process ({})", c.outcome.status);
    c.diag(fmt::format("strata: rv64: {}({:#x}, {:#x}, {:#x}, {:#x}, {:#x}, {:#x}) {}",
                       syscall_name(nr), args[0], args[1], args[2], args[3], args[4], args[5],
                       end));
  }
  return c.outcome;
}

}  // namespace strata::vm::rv64
