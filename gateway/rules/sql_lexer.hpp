#pragma once
// Tokens of the AWS IoT SQL subset. The lexer works on demand, so a
// substitution template can stop reading at the `}` that closes `${...}`
// without lexing the text after it.
//
//  - identifiers: letters, digits, '_' (not first: digit); `backtick quoted`
//    for keys with other characters (an edge extension);
//  - strings: 'single' or "double" quoted; a doubled quote or a backslash
//    escapes the quote (\n, \t, \\ too);
//  - numbers: 12, 12.5, 1e3, 2.5E-3 (a leading '-' is the unary operator);
//  - operators and punctuation: * , ( ) . [ ] { } : + - / % = <> != < <= > >= @.

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>

namespace edgebridge::rules {

enum class TokenKind { end, identifier, quoted_identifier, number, string, symbol, error };

struct Token {
  TokenKind kind = TokenKind::end;
  std::string text;       // identifier name, decoded string, number text, symbol, or error message
  std::size_t offset = 0;  // byte offset in the source text
  bool integer = false;   // number without '.' or exponent
};

class Lexer {
 public:
  explicit Lexer(std::string_view text, std::size_t offset = 0) : text_(text), pos_(offset) {}

  // The token `ahead` positions from the current one (0 = current).
  const Token& peek(std::size_t ahead = 0);
  Token next();
  std::string_view text() const { return text_; }

 private:
  Token lex();

  std::string_view text_;
  std::size_t pos_;
  std::deque<Token> buffered_;
};

// How a token reads in an error message: "FORM", end of the SQL, "'a/b'".
std::string quote_token(const Token& t);

}  // namespace edgebridge::rules
