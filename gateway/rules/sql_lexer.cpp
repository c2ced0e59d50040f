#include "rules/sql_lexer.hpp"

#include <cctype>
#include <cstdio>

namespace edgebridge::rules {

namespace {

bool ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// The character at `pos` for an error message; non-ASCII as U+XXXX.
std::string describe_char(std::string_view text, std::size_t pos) {
  const auto c = static_cast<unsigned char>(text[pos]);
  if (c >= 0x20 && c < 0x7f) return std::string("'") + static_cast<char>(c) + "'";
  if (c < 0x80) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%02X", c);
    return buf;
  }
  // Decode one UTF-8 sequence; an invalid one is shown as its first byte.
  std::size_t len = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
  unsigned cp = len == 2 ? (c & 0x1Fu) : len == 3 ? (c & 0x0Fu) : (c & 0x07u);
  bool ok = len > 1 && pos + len <= text.size();
  for (std::size_t k = 1; ok && k < len; ++k) {
    const auto cc = static_cast<unsigned char>(text[pos + k]);
    if ((cc >> 6) != 0x2) ok = false;
    cp = (cp << 6) | (cc & 0x3Fu);
  }
  char buf[40];
  if (!ok) {
    std::snprintf(buf, sizeof buf, "byte 0x%02X", c);
    return buf;
  }
  std::snprintf(buf, sizeof buf, "'%.*s' (U+%04X)", static_cast<int>(len), text.data() + pos, cp);
  return buf;
}

}  // namespace

const Token& Lexer::peek(std::size_t ahead) {
  while (buffered_.size() <= ahead) {
    if (!buffered_.empty() && (buffered_.back().kind == TokenKind::end || buffered_.back().kind == TokenKind::error))
      return buffered_.back();
    buffered_.push_back(lex());
  }
  return buffered_[ahead];
}

Token Lexer::next() {
  peek();
  Token t = buffered_.front();
  if (t.kind != TokenKind::end && t.kind != TokenKind::error) buffered_.pop_front();
  return t;
}

Token Lexer::lex() {
  while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  Token t;
  t.offset = pos_;
  if (pos_ >= text_.size()) return t;  // end
  const char c = text_[pos_];

  if (ident_start(c)) {
    const std::size_t start = pos_;
    while (pos_ < text_.size() && ident_char(text_[pos_])) ++pos_;
    t.kind = TokenKind::identifier;
    t.text = std::string(text_.substr(start, pos_ - start));
    return t;
  }
  if (c == '`') {
    const std::size_t close = text_.find('`', pos_ + 1);
    if (close == std::string_view::npos) {
      t.kind = TokenKind::error;
      t.text = "unterminated `quoted name`; close it with a backtick";
      return t;
    }
    t.kind = TokenKind::quoted_identifier;
    t.text = std::string(text_.substr(pos_ + 1, close - pos_ - 1));
    pos_ = close + 1;
    if (t.text.empty()) {
      t.kind = TokenKind::error;
      t.text = "an empty `` name";
    }
    return t;
  }
  if (digit(c)) {
    const std::size_t start = pos_;
    t.integer = true;
    while (pos_ < text_.size() && digit(text_[pos_])) ++pos_;
    if (pos_ + 1 < text_.size() && text_[pos_] == '.' && digit(text_[pos_ + 1])) {
      t.integer = false;
      ++pos_;
      while (pos_ < text_.size() && digit(text_[pos_])) ++pos_;
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      std::size_t p = pos_ + 1;
      if (p < text_.size() && (text_[p] == '-' || text_[p] == '+')) ++p;
      if (p < text_.size() && digit(text_[p])) {
        t.integer = false;
        pos_ = p;
        while (pos_ < text_.size() && digit(text_[pos_])) ++pos_;
      }
    }
    if (pos_ < text_.size() && ident_start(text_[pos_])) {
      t.kind = TokenKind::error;
      t.text = "a number runs into a name here; put a space or an operator between them";
      t.offset = pos_;
      return t;
    }
    t.kind = TokenKind::number;
    t.text = std::string(text_.substr(start, pos_ - start));
    return t;
  }
  if (c == '\'' || c == '"') {
    const char quote = c;
    std::string out;
    std::size_t p = pos_ + 1;
    while (true) {
      if (p >= text_.size()) {
        t.kind = TokenKind::error;
        t.text = std::string("unterminated string; close it with ") + quote;
        return t;
      }
      const char ch = text_[p];
      if (ch == quote) {
        if (p + 1 < text_.size() && text_[p + 1] == quote) {  // '' inside '...'
          out += quote;
          p += 2;
          continue;
        }
        ++p;
        break;
      }
      if (ch == '\\' && p + 1 < text_.size()) {
        const char e = text_[p + 1];
        out += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
        p += 2;
        continue;
      }
      out += ch;
      ++p;
    }
    pos_ = p;
    t.kind = TokenKind::string;
    t.text = std::move(out);
    return t;
  }
  static const char* const two_char[] = {"<>", "!=", "<=", ">="};
  for (const char* op : two_char) {
    if (text_.substr(pos_, 2) == op) {
      pos_ += 2;
      t.kind = TokenKind::symbol;
      t.text = op;
      return t;
    }
  }
  static const std::string_view one_char = "*,().[]{}:+-/%=<>@";
  if (one_char.find(c) != std::string_view::npos) {
    ++pos_;
    t.kind = TokenKind::symbol;
    t.text = std::string(1, c);
    return t;
  }
  t.kind = TokenKind::error;
  if (c == ';')
    t.text = "unexpected " + describe_char(text_, pos_) + "; a rule holds one SQL statement";
  else if (c == '|' && text_.substr(pos_, 2) == "||")
    t.text = "unexpected '||'; concatenate with + or concat(a, b)";
  else
    t.text = "unexpected character " + describe_char(text_, pos_);
  return t;
}

std::string quote_token(const Token& t) {
  switch (t.kind) {
    case TokenKind::end: return "the end of the SQL";
    case TokenKind::string: return "the string '" + t.text + "'";
    case TokenKind::quoted_identifier: return "`" + t.text + "`";
    case TokenKind::error: return t.text;
    default: return "\"" + t.text + "\"";
  }
}

}  // namespace edgebridge::rules
