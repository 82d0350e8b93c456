// A small encoder of ACPI Machine Language (ACPI 6.5, chapter 20 "AML Specification" and
// section 6.4 "Resource Data Types"): just the terms the DSDT of this machine needs. Every
// function returns the encoded bytes of one term, so a table is built bottom-up by nesting:
//   device("VR00", concat({name("_HID", string("LNRO0005")), ...}))
//
// Names are 4-character NameSegs ([A-Z_][A-Z0-9_]{0,3}, padded with '_'); they come from this
// code, never from a user, so a malformed one is a broken invariant (abort with a message).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <vector>

namespace strata::hwvm::x86::aml {

using Bytes = std::vector<std::uint8_t>;

// The bytes of every part, in order.
[[nodiscard]] Bytes concat(std::initializer_list<Bytes> parts);

// PkgLength (20.2.4) for a package whose contents after the PkgLength are `body_len` bytes:
// the encoded length counts its own bytes, 1 to 4 of them.
[[nodiscard]] Bytes pkg_length(std::size_t body_len);

// The shortest ComputationalData for `value`: ZeroOp, OneOp, or Byte/Word/DWord/QWordPrefix.
[[nodiscard]] Bytes integer(std::uint64_t value);
// StringPrefix, the ASCII characters, NullChar.
[[nodiscard]] Bytes string(std::string_view ascii);
// EISAID("PNP0501"): three compressed letters and four hex digits as a DWord (6.1.5 _HID).
[[nodiscard]] Bytes eisa_id(std::string_view id);

// Name (name, value): NameOp NameString DataRefObject.
[[nodiscard]] Bytes name(std::string_view name, const Bytes& value);
// Scope (path) { body }: path is one NameSeg, optionally after '\' (the root).
[[nodiscard]] Bytes scope(std::string_view path, const Bytes& body);
// Device (name) { body }: ExtOpPrefix DeviceOp PkgLength NameString TermList.
[[nodiscard]] Bytes device(std::string_view name, const Bytes& body);
// Package () { elements }: PackageOp PkgLength NumElements PackageElementList.
[[nodiscard]] Bytes package(std::initializer_list<Bytes> elements);

// ResourceTemplate () { descriptors }: a Buffer holding the descriptors and the End Tag
// (6.4.2.9; checksum byte 0 = "no checksum").
[[nodiscard]] Bytes resource_template(const Bytes& descriptors);
// Memory32Fixed (ReadWrite or ReadOnly, base, size): large item 0x86 (6.4.3.4).
[[nodiscard]] Bytes memory32_fixed(bool writable, std::uint32_t base, std::uint32_t size);

struct InterruptFlags {
  bool consumer = true;     // ResourceConsumer
  bool edge = true;         // Edge (else Level)
  bool active_low = false;  // ActiveLow (else ActiveHigh)
  bool shared = false;      // Shared (else Exclusive)
};
// Interrupt (...) { gsi }: the Extended Interrupt Descriptor, large item 0x89 (6.4.3.6).
[[nodiscard]] Bytes extended_interrupt(InterruptFlags flags, std::uint32_t gsi);
// IO (Decode16, base, base, 1, length): the fixed-range I/O Port Descriptor (6.4.2.5).
[[nodiscard]] Bytes io_port(std::uint16_t base, std::uint8_t length);
// IRQNoFlags () { irq }: the 2-byte IRQ Descriptor, edge/active-high/exclusive (6.4.2.1).
[[nodiscard]] Bytes irq_no_flags(std::uint8_t irq);

}  // namespace strata::hwvm::x86::aml
