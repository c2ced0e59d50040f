#include "modbus/read_plan.hpp"

#include <algorithm>
#include <numeric>

namespace edgebridge::modbus {
namespace {

std::vector<ReadRequest> plan_indices(std::vector<std::size_t> order, const std::vector<RegisterSpec>& registers,
                                      const RequestLimits& limits) {
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const auto& ra = registers[a];
    const auto& rb = registers[b];
    if (ra.table != rb.table) return static_cast<int>(ra.table) < static_cast<int>(rb.table);
    return ra.address < rb.address;
  });
  std::vector<ReadRequest> out;
  long block_start = 0;
  long block_end = -1;  // last address read, inclusive
  for (std::size_t index : order) {
    const RegisterSpec& r = registers[index];
    const long start = r.address;
    const long end = start + std::max(1, r.span()) - 1;
    const long limit = is_bit_table(r.table) ? limits.max_bits : limits.max_registers;
    const bool joins = !out.empty() && out.back().table == r.table && start <= block_end + 1 + limits.max_gap &&
                       std::max(end, block_end) - block_start + 1 <= limit;
    if (joins) {
      block_end = std::max(end, block_end);
      out.back().count = static_cast<std::uint16_t>(block_end - block_start + 1);
      out.back().members.push_back(index);
      continue;
    }
    ReadRequest request;
    request.table = r.table;
    request.start = r.address;
    request.count = static_cast<std::uint16_t>(end - start + 1);
    request.members.push_back(index);
    out.push_back(std::move(request));
    block_start = start;
    block_end = end;
  }
  return out;
}

}  // namespace

std::string ReadRequest::describe() const {
  const long last = static_cast<long>(start) + count - 1;
  std::string text = std::string(to_string(table)) + " " + std::to_string(start);
  if (count > 1) text += "-" + std::to_string(last);
  text += " (" + std::to_string(count) + (is_bit_table(table) ? " bit" : " register") + (count == 1 ? "" : "s") + ")";
  return text;
}

std::vector<ReadRequest> plan_reads(const std::vector<RegisterSpec>& registers, const RequestLimits& limits) {
  std::vector<std::size_t> order(registers.size());
  std::iota(order.begin(), order.end(), 0);
  return plan_indices(std::move(order), registers, limits);
}

std::vector<ReadRequest> split_request(const ReadRequest& request, const std::vector<RegisterSpec>& registers,
                                       const RequestLimits& limits) {
  RequestLimits overlapping_only = limits;
  overlapping_only.max_gap = -1;
  return plan_indices(request.members, registers, overlapping_only);
}

}  // namespace edgebridge::modbus
