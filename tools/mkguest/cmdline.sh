# Sourced by the guest's /init (busybox sh) and by tests/tools/mkguest_test.cpp on the host.
#
# strata_command FILE: prints the command given on the kernel command line in FILE (normally
# /proc/cmdline) as  strata.cmd="a command with spaces"  or  strata.cmd=word , and nothing
# when there is none. The kernel keeps a dotted parameter out of init's argv and environment,
# so /proc/cmdline is the only place to read it. A double quote cannot appear inside the
# command (the kernel's own parser ends the value there); single quotes can.
strata_command() {
  local line quoted
  read -r line < "$1" || [ -n "$line" ] || return 0
  case " $line" in
    *' strata.cmd="'*)
      quoted=${line#*strata.cmd=\"}
      printf '%s\n' "${quoted%%\"*}"
      ;;
    *' strata.cmd='*)
      quoted=${line#*strata.cmd=}
      printf '%s\n' "${quoted%% *}"
      ;;
  esac
}
