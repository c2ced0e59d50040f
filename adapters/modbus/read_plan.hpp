#pragma once
// The coalescing planner: which requests read a device's registers. Entries of
// one table whose addresses are close are read in one request, up to the
// protocol's limit (125 registers, 2000 coils or discrete inputs) or a lower
// one the device needs. So a device with 40 registers costs one or two
// requests per poll, not 40.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "modbus/register_map.hpp"

namespace edgebridge::modbus {

struct RequestLimits {
  // Unused addresses a request may read between two entries to save a request.
  // 0 = only adjacent entries; -1 = only overlapping ones (used after a device
  // refused a coalesced read, see ReadRequest::split).
  int max_gap = 10;
  int max_registers = 125;  // per request, input and holding tables (protocol maximum 125)
  int max_bits = 2000;      // per request, coil and discrete tables (protocol maximum 2000)
};

struct ReadRequest {
  Table table = Table::holding;
  std::uint16_t start = 0;
  std::uint16_t count = 0;
  std::vector<std::size_t> members;  // indices into the register list, by address

  // "holding 100-115 (16 registers)"
  std::string describe() const;
};

// Requests for `registers`, ordered by table (coil, discrete, input, holding)
// then address. Every entry is a member of exactly one request. An entry wider
// than the limit gets a request of its own (the loader refuses such entries).
std::vector<ReadRequest> plan_reads(const std::vector<RegisterSpec>& registers, const RequestLimits& limits);

// The requests that replace `request` when the device refuses it as a whole
// (an exception for an address in a gap or between entries): each member, or
// group of overlapping members, read on its own.
std::vector<ReadRequest> split_request(const ReadRequest& request, const std::vector<RegisterSpec>& registers,
                                       const RequestLimits& limits);

}  // namespace edgebridge::modbus
