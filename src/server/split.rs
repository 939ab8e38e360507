//! Splitting a `/v1/samples` body into samples as it arrives, chunk by chunk, so that no body is
//! ever held whole: either NDJSON (one sample per line) or one top-level JSON array, whose
//! elements are found by tracking nesting and strings. Each sample's bytes are bounded
//! ([`MAX_SAMPLE_BYTES`]); a longer one is skipped and reported, not buffered. No IO.

/// The longest one sample may be.
pub const MAX_SAMPLE_BYTES: usize = 16 * 1024;

/// What the splitter found next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    /// The bytes of sample number `index`.
    Sample(usize, &'a [u8]),
    /// Sample number `index` was longer than [`MAX_SAMPLE_BYTES`].
    TooLong(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// Nothing but whitespace seen yet.
    Unknown,
    /// NDJSON.
    Lines,
    /// Inside the top-level array.
    Array,
    /// After the array's closing bracket: only whitespace may follow.
    Done,
}

/// The splitter's state between chunks.
#[derive(Debug)]
pub struct Splitter {
    shape: Shape,
    current: Vec<u8>,
    too_long: bool,
    index: usize,
    depth: u32,
    in_string: bool,
    escaped: bool,
}

impl Default for Splitter {
    fn default() -> Self {
        Splitter {
            shape: Shape::Unknown,
            current: Vec::with_capacity(256),
            too_long: false,
            index: 0,
            depth: 0,
            in_string: false,
            escaped: false,
        }
    }
}

impl Splitter {
    /// Feeds one chunk; `each` sees every sample completed in it. An error is a body that is
    /// neither NDJSON nor one JSON array.
    pub fn push(&mut self, chunk: &[u8], each: &mut impl FnMut(Piece<'_>)) -> Result<(), String> {
        for &b in chunk {
            match self.shape {
                Shape::Unknown => match b {
                    b'[' => self.shape = Shape::Array,
                    _ if b.is_ascii_whitespace() => {}
                    _ => {
                        self.shape = Shape::Lines;
                        self.line_byte(b, each);
                    }
                },
                Shape::Lines => self.line_byte(b, each),
                Shape::Array => self.array_byte(b, each)?,
                Shape::Done if b.is_ascii_whitespace() => {}
                Shape::Done => return Err("malformed JSON body: data after the array".into()),
            }
        }
        Ok(())
    }

    /// Ends the body.
    pub fn finish(&mut self, each: &mut impl FnMut(Piece<'_>)) -> Result<(), String> {
        match self.shape {
            Shape::Array => Err("malformed JSON body: the array is not closed".into()),
            Shape::Lines => {
                self.end_sample(each);
                Ok(())
            }
            Shape::Unknown | Shape::Done => Ok(()),
        }
    }

    fn keep(&mut self, b: u8) {
        if self.current.len() < MAX_SAMPLE_BYTES {
            self.current.push(b);
        } else {
            self.too_long = true;
        }
    }

    fn end_sample(&mut self, each: &mut impl FnMut(Piece<'_>)) {
        let bytes = self.current.trim_ascii();
        if self.too_long {
            each(Piece::TooLong(self.index));
            self.index += 1;
        } else if !bytes.is_empty() {
            each(Piece::Sample(self.index, bytes));
            self.index += 1;
        }
        self.current.clear();
        self.too_long = false;
    }

    fn line_byte(&mut self, b: u8, each: &mut impl FnMut(Piece<'_>)) {
        if b == b'\n' {
            self.end_sample(each);
        } else {
            self.keep(b);
        }
    }

    fn array_byte(&mut self, b: u8, each: &mut impl FnMut(Piece<'_>)) -> Result<(), String> {
        if self.in_string {
            self.keep(b);
            if self.escaped {
                self.escaped = false;
            } else if b == b'\\' {
                self.escaped = true;
            } else if b == b'"' {
                self.in_string = false;
            }
            return Ok(());
        }
        match b {
            b'"' => {
                self.in_string = true;
                self.keep(b);
            }
            b'{' | b'[' => {
                self.depth += 1;
                self.keep(b);
            }
            b'}' | b']' if self.depth > 0 => {
                self.depth -= 1;
                self.keep(b);
            }
            b']' => {
                self.end_sample(each);
                self.shape = Shape::Done;
            }
            b'}' => return Err("malformed JSON body: unbalanced `}`".into()),
            b',' if self.depth == 0 => {
                if self.current.trim_ascii().is_empty() && !self.too_long {
                    return Err("malformed JSON body: an empty array element".into());
                }
                self.end_sample(each);
            }
            _ => self.keep(b),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{MAX_SAMPLE_BYTES, Piece, Splitter};

    fn split(chunks: &[&[u8]]) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        let mut s = Splitter::default();
        let mut each = |p: Piece<'_>| {
            out.push(match p {
                Piece::Sample(i, b) => format!("{i}:{}", String::from_utf8_lossy(b)),
                Piece::TooLong(i) => format!("{i}:too long"),
            });
        };
        for c in chunks {
            s.push(c, &mut each)?;
        }
        s.finish(&mut each)?;
        Ok(out)
    }

    #[test]
    fn arrays_and_lines_split_across_any_chunk_boundary() {
        let body = br#" [ {"a": "x,]}", "b": [1, 2]}, {"c": "\"]"} ] "#;
        for cut in 0..body.len() {
            assert_eq!(
                split(&[&body[..cut], &body[cut..]]).unwrap(),
                [r#"0:{"a": "x,]}", "b": [1, 2]}"#, r#"1:{"c": "\"]"}"#],
                "cut at {cut}"
            );
        }
        assert_eq!(
            split(&[b"{\"a\":1}\n\n{\"b\"", b":2}"]).unwrap(),
            ["0:{\"a\":1}", "1:{\"b\":2}"]
        );
        assert_eq!(split(&[b"[]"]).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn long_samples_are_skipped_and_broken_bodies_refused() {
        let long = format!("[{{\"a\": \"{}\"}}, {{}}]", "x".repeat(MAX_SAMPLE_BYTES));
        assert_eq!(split(&[long.as_bytes()]).unwrap(), ["0:too long", "1:{}"]);
        assert!(split(&[b"[{}"]).unwrap_err().contains("not closed"));
        assert!(split(&[b"[{}] x"]).unwrap_err().contains("after the array"));
        assert!(
            split(&[b"[{},,{}]"])
                .unwrap_err()
                .contains("empty array element")
        );
    }
}
