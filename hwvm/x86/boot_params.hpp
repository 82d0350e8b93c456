// The Linux x86 boot protocol structures, from the UAPI header Debian ships
// (<asm/bootparam.h>: struct boot_params "zero page", struct setup_header, boot_e820_entry),
// pinned here to the offsets of Documentation/arch/x86/boot.rst so a header change or a
// packing mistake is a compile error rather than a kernel that silently ignores its arguments.
#pragma once

#include <cstddef>
#include <cstdint>

#include <asm/bootparam.h>

namespace strata::hwvm::x86 {

// Offsets in the bzImage file and in the zero page (the setup header sits at 0x1f1 in both).
inline constexpr std::size_t kSetupHeaderOffset = 0x1f1;
inline constexpr std::size_t kBootFlagOffset = 0x1fe;
inline constexpr std::size_t kHeaderMagicOffset = 0x202;
inline constexpr std::uint32_t kHeaderMagic = 0x53726448;  // "HdrS" read little-endian
inline constexpr std::uint16_t kBootFlag = 0xaa55;
inline constexpr std::uint8_t kLoaderTypeUndefined = 0xff;  // "boot loader not assigned an id"
inline constexpr std::uint32_t kE820Ram = 1;
inline constexpr std::uint32_t kE820Reserved = 2;
inline constexpr std::size_t kE820MaxEntries = E820_MAX_ENTRIES_ZEROPAGE;

static_assert(sizeof(boot_params) == 4096);
static_assert(sizeof(boot_e820_entry) == 20);

// Zero-page fields outside the setup header (boot.rst, "The zero page").
static_assert(offsetof(boot_params, acpi_rsdp_addr) == 0x070);
static_assert(offsetof(boot_params, ext_ramdisk_image) == 0x0c0);
static_assert(offsetof(boot_params, ext_ramdisk_size) == 0x0c4);
static_assert(offsetof(boot_params, ext_cmd_line_ptr) == 0x0c8);
static_assert(offsetof(boot_params, e820_entries) == 0x1e8);
static_assert(offsetof(boot_params, sentinel) == 0x1ef);
static_assert(offsetof(boot_params, hdr) == kSetupHeaderOffset);
static_assert(offsetof(boot_params, e820_table) == 0x2d0);

// The setup header (boot.rst, "The real-mode kernel header"), as zero-page offsets.
#define STRATA_HDR_AT(field, off) \
  static_assert(kSetupHeaderOffset + offsetof(setup_header, field) == (off), #field)
STRATA_HDR_AT(setup_sects, 0x1f1);
STRATA_HDR_AT(root_flags, 0x1f2);
STRATA_HDR_AT(syssize, 0x1f4);
STRATA_HDR_AT(ram_size, 0x1f8);
STRATA_HDR_AT(vid_mode, 0x1fa);
STRATA_HDR_AT(root_dev, 0x1fc);
STRATA_HDR_AT(boot_flag, 0x1fe);
STRATA_HDR_AT(jump, 0x200);
STRATA_HDR_AT(header, 0x202);
STRATA_HDR_AT(version, 0x206);
STRATA_HDR_AT(realmode_swtch, 0x208);
STRATA_HDR_AT(start_sys_seg, 0x20c);
STRATA_HDR_AT(kernel_version, 0x20e);
STRATA_HDR_AT(type_of_loader, 0x210);
STRATA_HDR_AT(loadflags, 0x211);
STRATA_HDR_AT(setup_move_size, 0x212);
STRATA_HDR_AT(code32_start, 0x214);
STRATA_HDR_AT(ramdisk_image, 0x218);
STRATA_HDR_AT(ramdisk_size, 0x21c);
STRATA_HDR_AT(bootsect_kludge, 0x220);
STRATA_HDR_AT(heap_end_ptr, 0x224);
STRATA_HDR_AT(ext_loader_ver, 0x226);
STRATA_HDR_AT(ext_loader_type, 0x227);
STRATA_HDR_AT(cmd_line_ptr, 0x228);
STRATA_HDR_AT(initrd_addr_max, 0x22c);
STRATA_HDR_AT(kernel_alignment, 0x230);
STRATA_HDR_AT(relocatable_kernel, 0x234);
STRATA_HDR_AT(min_alignment, 0x235);
STRATA_HDR_AT(xloadflags, 0x236);
STRATA_HDR_AT(cmdline_size, 0x238);
STRATA_HDR_AT(hardware_subarch, 0x23c);
STRATA_HDR_AT(hardware_subarch_data, 0x240);
STRATA_HDR_AT(payload_offset, 0x248);
STRATA_HDR_AT(payload_length, 0x24c);
STRATA_HDR_AT(setup_data, 0x250);
STRATA_HDR_AT(pref_address, 0x258);
STRATA_HDR_AT(init_size, 0x260);
STRATA_HDR_AT(handover_offset, 0x264);
STRATA_HDR_AT(kernel_info_offset, 0x268);
#undef STRATA_HDR_AT

}  // namespace strata::hwvm::x86
