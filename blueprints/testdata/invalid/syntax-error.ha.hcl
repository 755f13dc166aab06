blueprint "x" {
  description = "unterminated
}
