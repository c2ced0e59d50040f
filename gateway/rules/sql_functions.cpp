// Every function of the AWS IoT SQL reference (2016-03-23): the table at the
// end of this file, one row per function, and what each does at the edge.
#include "rules/sql_functions.hpp"

#include <unicode/locid.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <random>

#include "core/json_limits.hpp"
#include "core/json_text.hpp"
#include "rules/sql_eval.hpp"
#include "rules/sql_regex.hpp"
#include "rules/sql_time.hpp"
#include "rules/text_codecs.hpp"

namespace edgebridge::rules {

namespace {

using K = Value::Kind;
using Args = std::vector<Value>;
using Ctx = CallContext;

constexpr double kInt64Bound = 9223372036854775808.0;  // 2^63

// ---- conversions the reference's tables apply ------------------------------

// Int, Decimal or numeric String "rounded down to the nearest Int" (bitand,
// chr, lpad, substring...); nullopt when not numeric or out of Int range.
std::optional<std::int64_t> floor_int(const Value& v) {
  if (v.kind() == K::integer) return v.as_int();
  auto d = to_decimal(v);
  if (!d) return std::nullopt;
  const double f = std::floor(*d);
  if (!(f > -kInt64Bound && f < kInt64Bound)) return std::nullopt;
  return static_cast<std::int64_t>(f);
}

// A numeric argument clamped to [lo, hi] after rounding down (indexes, pads).
std::optional<std::int64_t> clamped_int(const Value& v, std::int64_t lo, std::int64_t hi) {
  if (v.kind() == K::integer) return std::clamp(v.as_int(), lo, hi);
  auto d = to_decimal(v);
  if (!d) return std::nullopt;
  const double f = std::floor(*d);
  if (f <= static_cast<double>(lo)) return lo;
  if (f >= static_cast<double>(hi)) return hi;
  return static_cast<std::int64_t>(f);
}

// "Converted to Int" (the Conversions table): Decimal rounds to the nearest,
// a numeric String truncates.
std::optional<std::int64_t> to_int(const Value& v) {
  if (v.kind() == K::integer) return v.as_int();
  double d = 0;
  if (v.kind() == K::decimal) d = std::round(v.as_decimal());
  else if (auto s = to_decimal(v)) d = std::trunc(*s);
  else return std::nullopt;
  if (!(d > -kInt64Bound && d < kInt64Bound)) return std::nullopt;
  return static_cast<std::int64_t>(d);
}

std::size_t dump_size(const nlohmann::json& j) { return dump_json(j).size(); }

Value text_or_undefined(std::optional<std::string> s) { return s ? Value::string(std::move(*s)) : Value(); }

// ---- numbers ----------------------------------------------------------------

// A numeric argument rounded by `op` (Ints pass unchanged).
template <typename Op>
Value rounded(const Value& v, Op op) {
  if (v.kind() == K::integer) return v;
  auto d = to_decimal(v);
  if (!d) return Value();
  return Value::number(op(*d));
}

// f(x) on a number converted to Decimal (double precision).
template <double (*F)(double)>
Value unary_math(const Args& a, const Ctx&) {
  auto d = to_decimal(a[0]);
  return d ? Value::number(F(*d)) : Value();
}

double acos_of(double d) { return std::acos(d); }
double asin_of(double d) { return std::asin(d); }
double atan_of(double d) { return std::atan(d); }
double cos_of(double d) { return std::cos(d); }
double cosh_of(double d) { return std::cosh(d); }
double exp_of(double d) { return std::exp(d); }
double ln_of(double d) { return std::log(d); }
double log10_of(double d) { return std::log10(d); }
double sin_of(double d) { return std::sin(d); }
double sinh_of(double d) { return std::sinh(d); }
double sqrt_of(double d) { return std::sqrt(d); }
double tan_of(double d) { return std::tan(d); }
double tanh_of(double d) { return std::tanh(d); }

template <double (*F)(double, double)>
Value binary_math(const Args& a, const Ctx&) {
  auto x = to_decimal(a[0]);
  auto y = to_decimal(a[1]);
  return x && y ? Value::number(F(*x, *y)) : Value();
}

double atan2_of(double y, double x) { return std::atan2(y, x); }
double pow_of(double x, double y) { return std::pow(x, y); }

Value f_abs(const Args& a, const Ctx&) {
  const Value& v = a[0];
  if (v.kind() == K::integer) {
    if (v.as_int() == std::numeric_limits<std::int64_t>::min()) return Value::number(-v.as_decimal());
    return Value::integer(v.as_int() < 0 ? -v.as_int() : v.as_int());
  }
  auto d = to_decimal(v);
  return d ? Value::number(std::fabs(*d)) : Value();
}

Value f_round(const Args& a, const Ctx&) { return rounded(a[0], [](double d) { return std::round(d); }); }
Value f_floor(const Args& a, const Ctx&) { return rounded(a[0], [](double d) { return std::floor(d); }); }
Value f_ceil(const Args& a, const Ctx&) { return rounded(a[0], [](double d) { return std::ceil(d); }); }

Value f_sign(const Args& a, const Ctx&) {
  auto d = to_decimal(a[0]);
  if (!d) return Value();
  return Value::integer(*d > 0 ? 1 : *d < 0 ? -1 : 0);
}

// mod(), remainder() and the % operator: the sign of the dividend (Java's %).
Value f_mod(const Args& a, const Ctx&) {
  if (a[0].kind() == K::integer && a[1].kind() == K::integer) {
    const std::int64_t x = a[0].as_int();
    const std::int64_t y = a[1].as_int();
    if (y == 0) return Value();
    return Value::integer(y == -1 ? 0 : x % y);
  }
  auto x = to_decimal(a[0]);
  auto y = to_decimal(a[1]);
  if (!x || !y || *y == 0.0) return Value();
  return Value::number(std::fmod(*x, *y));
}

// The shortest decimal text that reads back as `d`, in plain notation.
std::string plain_decimal(double d) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
  if (ec != std::errc()) return std::to_string(d);
  return std::string(buf, end);
}

// trunc(x, places): cut (toward zero) after `places` decimal places, 0..34.
Value f_trunc(const Args& a, const Ctx&) {
  auto places = clamped_int(a[1], 0, 34);
  if (!places) return Value();
  if (a[0].kind() == K::integer) return a[0];
  auto d = to_decimal(a[0]);
  if (!d) return Value();
  std::string text = plain_decimal(*d);
  const auto dot = text.find('.');
  if (dot != std::string::npos) {
    const std::size_t keep = *places == 0 ? dot : std::min(text.size(), dot + 1 + static_cast<std::size_t>(*places));
    text.resize(keep);
  }
  return Value::number(std::strtod(text.c_str(), nullptr));
}

template <std::int64_t (*Op)(std::int64_t, std::int64_t)>
Value bitwise(const Args& a, const Ctx&) {
  auto x = floor_int(a[0]);
  auto y = floor_int(a[1]);
  return x && y ? Value::integer(Op(*x, *y)) : Value();
}

std::int64_t and_op(std::int64_t x, std::int64_t y) { return x & y; }
std::int64_t or_op(std::int64_t x, std::int64_t y) { return x | y; }
std::int64_t xor_op(std::int64_t x, std::int64_t y) { return x ^ y; }

Value f_bitnot(const Args& a, const Ctx&) {
  auto x = floor_int(a[0]);
  return x ? Value::integer(~*x) : Value();
}

Value f_nanvl(const Args& a, const Ctx&) { return a[0].undefined() || a[0].is_null() ? a[1] : a[0]; }

Value f_rand(const Args&, const Ctx&) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return Value::number(std::uniform_real_distribution<double>(0.0, 1.0)(rng));
}

// ---- strings ----------------------------------------------------------------

Value change_case(const Value& v, bool upper) {
  auto text = to_text(v);
  if (!text) return Value();
  const bool ascii = std::all_of(text->begin(), text->end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (ascii) {
    for (auto& c : *text) c = static_cast<char>(upper ? std::toupper(static_cast<unsigned char>(c)) : std::tolower(static_cast<unsigned char>(c)));
    return Value::string(std::move(*text));
  }
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(*text);
  if (upper) u.toUpper(icu::Locale::getRoot());
  else u.toLower(icu::Locale::getRoot());
  std::string out;
  u.toUTF8String(out);
  return Value::string(std::move(out));
}

Value f_lower(const Args& a, const Ctx&) { return change_case(a[0], false); }
Value f_upper(const Args& a, const Ctx&) { return change_case(a[0], true); }

Value f_length(const Args& a, const Ctx&) {
  auto t = to_text(a[0]);
  return t ? Value::integer(static_cast<std::int64_t>(utf8_length(*t))) : Value();
}

Value f_numbytes(const Args& a, const Ctx&) {
  auto t = to_text(a[0]);
  return t ? Value::integer(static_cast<std::int64_t>(t->size())) : Value();
}

bool blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

Value trimmed(const Value& v, bool left, bool right) {
  auto t = to_text(v);
  if (!t) return Value();
  std::size_t b = 0;
  std::size_t e = t->size();
  if (left)
    while (b < e && blank((*t)[b])) ++b;
  if (right)
    while (e > b && blank((*t)[e - 1])) --e;
  return Value::string(t->substr(b, e - b));
}

Value f_trim(const Args& a, const Ctx&) { return trimmed(a[0], true, true); }
Value f_ltrim(const Args& a, const Ctx&) { return trimmed(a[0], true, false); }
Value f_rtrim(const Args& a, const Ctx&) { return trimmed(a[0], false, true); }

Value padded(const Args& a, bool left) {
  auto t = to_text(a[0]);
  auto n = clamped_int(a[1], 0, 1000);
  if (!t || !n) return Value();
  const std::string pad(static_cast<std::size_t>(*n), ' ');
  return Value::string(left ? pad + *t : *t + pad);
}

Value f_lpad(const Args& a, const Ctx&) { return padded(a, true); }
Value f_rpad(const Args& a, const Ctx&) { return padded(a, false); }

// substring(s, from[, to]): character indexes, 0-based, clamped to [0, length].
Value f_substring(const Args& a, const Ctx&) {
  auto t = to_text(a[0]);
  if (!t) return Value();
  const auto len = static_cast<std::int64_t>(utf8_length(*t));
  auto from = clamped_int(a[1], 0, len);
  if (!from) return Value();
  std::int64_t to = len;
  if (a.size() > 2) {
    auto end = clamped_int(a[2], 0, len);
    if (!end) return Value();
    to = *end;
  }
  if (*from >= to) return Value::string("");
  const std::size_t b = utf8_offset(*t, static_cast<std::size_t>(*from));
  const std::size_t e = utf8_offset(*t, static_cast<std::size_t>(to));
  return Value::string(t->substr(b, e - b));
}

Value f_indexof(const Args& a, const Ctx&) {
  auto s = to_text(a[0]);
  auto sub = to_text(a[1]);
  if (!s || !sub) return Value();
  const auto at = s->find(*sub);
  if (at == std::string::npos) return Value::integer(-1);
  return Value::integer(static_cast<std::int64_t>(utf8_length(std::string_view(*s).substr(0, at))));
}

Value f_startswith(const Args& a, const Ctx&) {
  auto s = to_text(a[0]);
  auto p = to_text(a[1]);
  if (!s || !p) return Value();
  return Value::boolean(s->compare(0, p->size(), *p) == 0 && s->size() >= p->size());
}

Value f_endswith(const Args& a, const Ctx&) {
  auto s = to_text(a[0]);
  auto p = to_text(a[1]);
  if (!s || !p) return Value();
  return Value::boolean(s->size() >= p->size() && s->compare(s->size() - p->size(), p->size(), *p) == 0);
}

// replace(s, from, to): every occurrence; an empty `from` inserts `to`
// between characters and at both ends (Java's String.replace).
Value f_replace(const Args& a, const Ctx&) {
  auto s = to_text(a[0]);
  auto from = to_text(a[1]);
  auto to = to_text(a[2]);
  if (!s || !from || !to) return Value();
  std::string out;
  if (from->empty()) {
    out = *to;
    for (std::size_t i = 0; i < s->size(); ++i) {
      out += (*s)[i];
      if (i + 1 == s->size() || (static_cast<unsigned char>((*s)[i + 1]) & 0xC0) != 0x80) out += *to;
    }
    return Value::string(std::move(out));
  }
  std::size_t at = 0;
  while (true) {
    const std::size_t next = s->find(*from, at);
    if (next == std::string::npos) break;
    out.append(*s, at, next - at);
    out += *to;
    at = next + from->size();
  }
  out.append(*s, at, std::string::npos);
  return Value::string(std::move(out));
}

Value f_chr(const Args& a, const Ctx&) {
  auto n = floor_int(a[0]);
  if (!n || *n < 0 || *n > 127) return Value();
  return Value::string(std::string(1, static_cast<char>(*n)));
}

Value f_concat(const Args& args, const Ctx&) {
  if (args.empty()) return Value();
  if (args.size() == 1) return args[0];
  bool any_array = false;
  bool any_string = false;
  for (const auto& a : args) {
    if (a.undefined()) return Value();
    any_array = any_array || a.kind() == K::array;
    any_string = any_string || a.kind() == K::string;
  }
  if (any_array) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& a : args) {
      if (a.kind() == K::array)
        for (const auto& item : a.as_json()) out.push_back(item);
      else
        out.push_back(a.to_json());
    }
    return Value::own(std::move(out));
  }
  if (!any_string) return Value();
  std::string out;
  for (const auto& a : args) {
    auto text = to_text(a);
    if (!text) return Value();
    out += *text;
  }
  return Value::string(std::move(out));
}

// ---- regular expressions ------------------------------------------------------

// A literal pattern is compiled once, at load; a bad one is a load error.
std::string check_regex(Expr& call) {
  const Expr& pattern = *call.operands[1];
  if (pattern.kind != Expr::Kind::literal || pattern.value.kind() != K::string) return "";
  std::string error;
  auto re = compile_regex(pattern.value.as_string(), error);
  if (!re) return "the regular expression '" + pattern.value.as_string() + "' is not valid: " + error;
  call.prepared = re;
  return "";
}

std::shared_ptr<const Regex> regex_of(const Args& a, const Ctx& ctx) {
  if (ctx.call.prepared) return std::static_pointer_cast<const Regex>(ctx.call.prepared);
  auto p = to_text(a[1]);
  return p ? cached_regex(*p) : nullptr;
}

Value f_regexp_matches(const Args& a, const Ctx& ctx) {
  auto s = to_text(a[0]);
  auto re = regex_of(a, ctx);
  if (!s || !re) return Value();
  auto found = regex_find(*re, *s);
  return found ? Value::boolean(*found) : Value();
}

Value f_regexp_replace(const Args& a, const Ctx& ctx) {
  auto s = to_text(a[0]);
  auto with = to_text(a[2]);
  auto re = regex_of(a, ctx);
  if (!s || !with || !re) return Value();
  return text_or_undefined(regex_replace_all(*re, *s, *with));
}

Value f_regexp_substr(const Args& a, const Ctx& ctx) {
  auto s = to_text(a[0]);
  auto re = regex_of(a, ctx);
  if (!s || !re) return Value();
  return text_or_undefined(regex_first(*re, *s));
}

// ---- encodings and hashes -----------------------------------------------------

std::string check_scheme(Expr& call) {
  const Expr& scheme = *call.operands[1];
  if (scheme.kind == Expr::Kind::literal && scheme.value.kind() == K::string && scheme.value.as_string() == "proto")
    return "decoding Protobuf needs a descriptor file in Amazon S3, which the edge does not read; only 'base64' is "
           "supported";
  if (call.operands.size() > 2) return "with 'base64' it takes 2 arguments, given " + std::to_string(call.operands.size());
  if (scheme.kind != Expr::Kind::literal) return "";
  if (scheme.value.kind() == K::string && scheme.value.as_string() == "base64") return "";
  return "the encoding scheme must be 'base64' (the only one AWS IoT supports), found " + describe(scheme.value);
}

bool is_base64_scheme(const Value& v) { return v.kind() == K::string && v.as_string() == "base64"; }

Value f_encode(const Args& a, const Ctx&) {
  if (!is_base64_scheme(a[1])) return Value();
  auto t = to_text(a[0]);
  return t ? Value::string(base64_encode(*t)) : Value();
}

// decode(value, 'base64'): a JSON document gives its value; other text a
// String; text that is not base64 gives Null (as the reference says).
Value f_decode(const Args& a, const Ctx&) {
  if (!is_base64_scheme(a[1])) return Value();
  auto t = to_text(a[0]);
  if (!t) return Value();
  auto bytes = base64_decode(*t);
  if (!bytes) return Value::null();
  BoundedJson j = parse_json_bounded(*bytes, kPayloadJsonLimits);
  if (j.ok()) return Value::own(std::move(j.value));
  return Value::string(std::move(*bytes));
}

template <const char* Name>
Value digest(const Args& a, const Ctx&) {
  auto t = to_text(a[0]);
  if (!t) return Value();
  return text_or_undefined(hex_digest(Name, *t));
}

constexpr char kMd2[] = "md2";
constexpr char kMd5[] = "md5";
constexpr char kSha1[] = "sha1";
constexpr char kSha224[] = "sha224";
constexpr char kSha256[] = "sha256";
constexpr char kSha384[] = "sha384";
constexpr char kSha512[] = "sha512";

// ---- time ---------------------------------------------------------------------

std::string check_parse_time(Expr& call) {
  const Expr& pattern = *call.operands[0];
  if (pattern.kind == Expr::Kind::literal && pattern.value.kind() == K::string) {
    std::string error;
    if (!joda_to_icu(pattern.value.as_string(), error))
      return "the Joda-Time pattern '" + pattern.value.as_string() + "': " + error;
  }
  if (call.operands.size() > 2) {
    const Expr& zone = *call.operands[2];
    if (zone.kind == Expr::Kind::literal && zone.value.kind() == K::string && !valid_time_zone(zone.value.as_string()))
      return "unknown time zone '" + zone.value.as_string() + "'; use a tz database name such as Europe/Berlin, "
             "UTC, or an offset such as +01:00";
  }
  return "";
}

Value f_parse_time(const Args& a, const Ctx&) {
  auto pattern = to_text(a[0]);
  auto ms = floor_int(a[1]);
  std::optional<std::string> zone = std::string("UTC");
  if (a.size() > 2) zone = to_text(a[2]);
  if (!pattern || !ms || !zone) return Value();
  return text_or_undefined(format_time(*pattern, *ms, *zone));
}

std::string check_time_to_epoch(Expr& call) {
  const Expr& pattern = *call.operands[1];
  if (pattern.kind != Expr::Kind::literal || pattern.value.kind() != K::string) return "";
  std::string error;
  if (!java_time_to_icu(pattern.value.as_string(), error))
    return "the date/time pattern '" + pattern.value.as_string() + "': " + error;
  return "";
}

Value f_time_to_epoch(const Args& a, const Ctx&) {
  auto text = to_text(a[0]);
  auto pattern = to_text(a[1]);
  if (!text || !pattern) return Value();
  auto ms = parse_time_to_epoch(*text, *pattern);
  return ms ? Value::integer(*ms) : Value();
}

// ---- collections and values ----------------------------------------------------

// get(collection, at): an Array's or a String's element at an index
// (converted to Int), an Object's value under a String key (no conversion).
Value f_get(const Args& a, const Ctx&) {
  const Value& c = a[0];
  if (c.kind() == K::object) {
    if (a[1].kind() != K::string) return Value();
    const auto& obj = c.as_json();
    auto it = obj.find(a[1].as_string());
    return it == obj.end() ? Value() : c.element(*it);
  }
  auto i = to_int(a[1]);
  if (!i || *i < 0) return Value();
  const auto at = static_cast<std::uint64_t>(*i);
  if (c.kind() == K::array) {
    const auto& arr = c.as_json();
    if (at >= arr.size()) return Value();
    return c.element(arr[static_cast<std::size_t>(at)]);
  }
  if (c.kind() == K::string) {
    const std::string& s = c.as_string();
    if (at >= utf8_length(s)) return Value();
    const std::size_t b = utf8_offset(s, static_cast<std::size_t>(at));
    const std::size_t e = utf8_offset(s, static_cast<std::size_t>(at) + 1);
    return Value::string(s.substr(b, e - b));
  }
  return Value();
}

Value f_get_or_default(const Args& a, const Ctx&) { return a[0].undefined() || a[0].is_null() ? a[1] : a[0]; }

Value f_coalesce(const Args& args, const Ctx&) {
  bool saw_null = false;
  for (const auto& a : args) {
    if (a.is_null()) saw_null = true;
    else if (!a.undefined()) return a;
  }
  return saw_null ? Value::null() : Value();
}

Value f_is_null(const Args& a, const Ctx&) { return Value::boolean(a[0].is_null()); }
Value f_is_undefined(const Args& a, const Ctx&) { return Value::boolean(a[0].undefined()); }

std::string check_transform(Expr& call) {
  const Expr& mode = *call.operands[0];
  if (mode.kind == Expr::Kind::literal && !(mode.value.kind() == K::string && mode.value.as_string() == "enrichArray"))
    return "the transformation mode must be 'enrichArray' (the only one AWS IoT has), found " + describe(mode.value);
  return "";
}

// transform('enrichArray', object, array): each object of the array with
// the object's keys added (the object's value wins where both have a key).
Value f_transform(const Args& a, const Ctx&) {
  constexpr std::size_t kMaxBytes = 128 * 1024;  // the reference's limit on the result
  if (!(a[0].kind() == K::string && a[0].as_string() == "enrichArray")) return Value();
  if (a[1].kind() != K::object || a[2].kind() != K::array) return Value();
  nlohmann::json out = nlohmann::json::array();
  std::size_t bytes = 0;
  const std::size_t extra = dump_size(a[1].as_json());
  for (const auto& item : a[2].as_json()) {
    if (!item.is_object()) return Value();
    nlohmann::json enriched = item;
    enriched.update(a[1].as_json());
    bytes += dump_size(item) + extra;
    if (bytes > kMaxBytes) return Value();
    out.push_back(std::move(enriched));
  }
  return Value::own(std::move(out));
}

// ---- the message and the rule ----------------------------------------------------

Value f_topic(const Args& a, const Ctx& ctx) {
  if (a.empty()) return Value::string(ctx.input.topic());
  auto n = to_decimal(a[0]);
  if (!n || *n < 1 || *n > 65535) return Value();
  const std::string* level = ctx.input.topic_level(static_cast<std::int64_t>(std::floor(*n)));
  return level ? Value::string(*level) : Value();
}

Value f_timestamp(const Args&, const Ctx& ctx) { return Value::integer(ctx.input.timestamp_ms); }
Value f_clientid(const Args&, const Ctx& ctx) {
  return ctx.input.client_id ? Value::string(*ctx.input.client_id) : Value();
}
Value f_newuuid(const Args&, const Ctx& ctx) {
  return Value::string(ctx.input.new_uuid ? ctx.input.new_uuid() : random_uuid());
}
Value f_traceid(const Args&, const Ctx& ctx) { return Value::string(ctx.input.trace_id()); }
Value f_sql_version(const Args&, const Ctx&) { return Value::string("2016-03-23"); }

// ---- the table ------------------------------------------------------------------------

constexpr const char* kNeedsAws = "it calls an AWS service, which a rule at the edge cannot reach";

FunctionDef fn(const char* name, std::size_t min, std::size_t max, FunctionImpl impl, FunctionCheck check = nullptr) {
  return FunctionDef{name, min, max, impl, nullptr, check, false};
}
FunctionDef aws_only(const char* name, std::size_t min, std::size_t max, const char* why) {
  return FunctionDef{name, min, max, nullptr, why, nullptr, false};
}

const std::vector<FunctionDef>& table() {
  static const std::vector<FunctionDef> rows = [] {
    std::vector<FunctionDef> t = {
        fn("abs", 1, 1, f_abs),
        aws_only("accountid", 0, 0, "the AWS account that owns a rule does not exist at the edge"),
        fn("acos", 1, 1, unary_math<acos_of>),
        fn("asin", 1, 1, unary_math<asin_of>),
        fn("atan", 1, 1, unary_math<atan_of>),
        fn("atan2", 2, 2, binary_math<atan2_of>),
        aws_only("aws_lambda", 2, 2, kNeedsAws),
        fn("bitand", 2, 2, bitwise<and_op>),
        fn("bitnot", 1, 1, f_bitnot),
        fn("bitor", 2, 2, bitwise<or_op>),
        fn("bitxor", 2, 2, bitwise<xor_op>),
        fn("ceil", 1, 1, f_ceil),
        fn("chr", 1, 1, f_chr),
        fn("clientid", 0, 0, f_clientid),
        fn("coalesce", 1, kAnyCount, f_coalesce),
        fn("concat", 0, kAnyCount, f_concat),
        fn("cos", 1, 1, unary_math<cos_of>),
        fn("cosh", 1, 1, unary_math<cosh_of>),
        fn("decode", 2, 6, f_decode, check_scheme),  // 6: decode(*, 'proto', bucket, key, descriptor, message)
        FunctionDef{"encode", 2, 2, f_encode, nullptr, check_scheme, /*raw_payload=*/true},
        fn("endswith", 2, 2, f_endswith),
        fn("exp", 1, 1, unary_math<exp_of>),
        fn("floor", 1, 1, f_floor),
        fn("get", 2, 2, f_get),
        aws_only("get_dynamodb", 4, 6, kNeedsAws),
        aws_only("get_mqtt_property", 1, 1,
                 "MQTT 5 properties are not carried through the gateway (it speaks MQTT 3.1.1 to the local broker)"),
        fn("get_or_default", 2, 2, f_get_or_default),
        aws_only("get_registry_data", 3, 3, kNeedsAws),
        aws_only("get_secret", 3, 4, kNeedsAws),
        aws_only("get_thing_shadow", 2, 3, kNeedsAws),
        aws_only("get_user_properties", 1, 1,
                 "MQTT 5 user properties are not carried through the gateway (it speaks MQTT 3.1.1 to the local broker)"),
        fn("indexof", 2, 2, f_indexof),
        fn("isNull", 1, 1, f_is_null),
        fn("isUndefined", 1, 1, f_is_undefined),
        fn("length", 1, 1, f_length),
        fn("ln", 1, 1, unary_math<ln_of>),
        fn("log", 1, 1, unary_math<log10_of>),
        fn("lower", 1, 1, f_lower),
        fn("lpad", 2, 2, f_lpad),
        fn("ltrim", 1, 1, f_ltrim),
        aws_only("machinelearning_predict", 3, 3, kNeedsAws),
        fn("md2", 1, 1, digest<kMd2>),
        fn("md5", 1, 1, digest<kMd5>),
        fn("mod", 2, 2, f_mod),
        fn("nanvl", 2, 2, f_nanvl),
        fn("newuuid", 0, 0, f_newuuid),
        fn("numbytes", 1, 1, f_numbytes),
        fn("parse_time", 2, 3, f_parse_time, check_parse_time),
        fn("power", 2, 2, binary_math<pow_of>),
        aws_only("principal", 0, 0,
                 "the local broker does not tell the gateway which certificate or identity published a message"),
        fn("rand", 0, 0, f_rand),
        fn("regexp_matches", 2, 2, f_regexp_matches, check_regex),
        fn("regexp_replace", 3, 3, f_regexp_replace, check_regex),
        fn("regexp_substr", 2, 2, f_regexp_substr, check_regex),
        fn("remainder", 2, 2, f_mod),
        fn("replace", 3, 3, f_replace),
        fn("round", 1, 1, f_round),
        fn("rpad", 2, 2, f_rpad),
        fn("rtrim", 1, 1, f_rtrim),
        fn("sha1", 1, 1, digest<kSha1>),
        fn("sha224", 1, 1, digest<kSha224>),
        fn("sha256", 1, 1, digest<kSha256>),
        fn("sha384", 1, 1, digest<kSha384>),
        fn("sha512", 1, 1, digest<kSha512>),
        fn("sign", 1, 1, f_sign),
        fn("sin", 1, 1, unary_math<sin_of>),
        fn("sinh", 1, 1, unary_math<sinh_of>),
        aws_only("sourceip", 0, 0, "the local broker does not tell the gateway the publisher's IP address"),
        fn("sql_version", 0, 0, f_sql_version),
        fn("sqrt", 1, 1, unary_math<sqrt_of>),
        fn("startswith", 2, 2, f_startswith),
        fn("substring", 2, 3, f_substring),
        fn("tan", 1, 1, unary_math<tan_of>),
        fn("tanh", 1, 1, unary_math<tanh_of>),
        fn("time_to_epoch", 2, 2, f_time_to_epoch, check_time_to_epoch),
        fn("timestamp", 0, 0, f_timestamp),
        fn("topic", 0, 1, f_topic),
        fn("traceid", 0, 0, f_traceid),
        fn("transform", 3, 3, f_transform, check_transform),
        fn("trim", 1, 1, f_trim),
        fn("trunc", 2, 2, f_trunc),
        fn("upper", 1, 1, f_upper),
    };
    return t;
  }();
  return rows;
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

const FunctionDef* find_function(std::string_view name) {
  static const std::map<std::string, const FunctionDef*> by_name = [] {
    std::map<std::string, const FunctionDef*> m;
    for (const auto& row : table()) m.emplace(lowercase(row.name), &row);
    return m;
  }();
  auto it = by_name.find(lowercase(name));
  return it == by_name.end() ? nullptr : it->second;
}

const std::vector<const FunctionDef*>& all_functions() {
  static const std::vector<const FunctionDef*> all = [] {
    std::vector<const FunctionDef*> v;
    for (const auto& row : table()) v.push_back(&row);
    std::sort(v.begin(), v.end(), [](const FunctionDef* a, const FunctionDef* b) {
      return lowercase(a->name) < lowercase(b->name);
    });
    return v;
  }();
  return all;
}

Value cast_value(const Value& v, CastType type) {
  switch (type) {
    case CastType::integer:
      if (v.kind() == K::integer) return v;
      if (v.kind() == K::boolean) return Value::integer(v.as_bool() ? 1 : 0);
      if (auto d = to_decimal(v)) return Value::number(std::floor(*d));  // rounded down
      return Value();
    case CastType::decimal:
      if (v.kind() == K::boolean) return Value::integer(v.as_bool() ? 1 : 0);  // 1.0 is an Int in 2016-03-23
      if (auto d = to_decimal(v)) return v.kind() == K::integer ? v : Value::number(*d);
      return Value();
    case CastType::string:
      if (auto text = to_text(v)) return Value::string(std::move(*text));
      return Value();
    case CastType::boolean:
      if (v.is_number()) return Value::boolean(v.as_decimal() != 0.0);
      if (auto b = to_boolean(v)) return Value::boolean(*b);
      return Value();
  }
  return Value();
}

}  // namespace edgebridge::rules
