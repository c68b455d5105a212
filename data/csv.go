package data

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// csvScanner splits CSV text into records. It differs from encoding/csv
// where hrmg needs speed and precise messages. Fields are byte slices into a
// reused buffer, with no string per record. The delimiter can be detected
// from the header. A quote inside an unquoted field is a literal character.
// The scanner records the physical line each field starts on.
type csvScanner struct {
	r *bufio.Reader
	// delim is the field delimiter; 0 until detected from the first line.
	delim byte
	// detected records that delim came from the header rather than the
	// options, with the header's delimiter counts for messages.
	detected bool
	counts   delimiterCounts

	// line is the number of physical lines read so far; consumed counts
	// their bytes, line endings included.
	line     int
	consumed int64
	eof      bool
	long     []byte // a line longer than the bufio buffer

	// The current record: its fields, the physical line it starts on and,
	// when a quoted field spans lines, the line each field starts on.
	fields     [][]byte
	recLine    int
	fieldLines []int
	multiline  bool

	rec  []byte // unquoted field bytes of a record that has quotes
	ends []int  // end offset in rec of each field

	// errField is the index of the field an ErrQuote error is about.
	errField int
}

// newCSVScanner reads r with a buffer sized for the input: size is the
// input's length in bytes, or 0 when unknown.
func newCSVScanner(r io.Reader, delim byte, size int64) *csvScanner {
	buffer := 1 << 20
	if size > 0 && size < int64(buffer) {
		buffer = max(int(size)+1, 4096)
	}
	return &csvScanner{r: bufio.NewReaderSize(r, buffer), delim: delim}
}

// delimiterCounts holds how often each candidate delimiter occurs outside
// quotes in the header line.
type delimiterCounts struct{ comma, semicolon, tab int }

// detectDelimiter picks the candidate that occurs most often outside quotes
// in the header, preferring ',' then '\t' then ';' on ties, and ',' when
// none occurs (a one-column file).
func detectDelimiter(header []byte) (byte, delimiterCounts) {
	var c delimiterCounts
	quoted := false
	for _, ch := range header {
		switch {
		case ch == '"':
			quoted = !quoted
		case quoted:
		case ch == ',':
			c.comma++
		case ch == ';':
			c.semicolon++
		case ch == '\t':
			c.tab++
		}
	}
	switch {
	case c.comma >= c.tab && c.comma >= c.semicolon:
		return ',', c
	case c.tab >= c.semicolon:
		return '\t', c
	default:
		return ';', c
	}
}

// readLine returns the next physical line without its line ending ("\n" or
// "\r\n"). The slice is valid until the next call.
func (s *csvScanner) readLine() ([]byte, error) {
	if s.eof {
		return nil, io.EOF
	}
	line, err := s.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		s.long = append(s.long[:0], line...)
		for errors.Is(err, bufio.ErrBufferFull) {
			line, err = s.r.ReadSlice('\n')
			s.long = append(s.long, line...)
		}
		line = s.long
	}
	switch {
	case err == io.EOF:
		s.eof = true
		if len(line) == 0 {
			return nil, io.EOF
		}
	case err != nil:
		return nil, err
	}
	s.line++
	s.consumed += int64(len(line))
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line = line[:n-1]
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// isBlank reports whether a line has nothing but spaces.
func isBlank(line []byte) bool {
	for _, ch := range line {
		if ch != ' ' {
			return false
		}
	}
	return true
}

// next reads the next record, skipping blank lines. It returns false at the
// end of the input.
func (s *csvScanner) next() (bool, error) {
	for {
		line, err := s.readLine()
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if isBlank(line) {
			continue
		}
		s.recLine = s.line
		if s.delim == 0 {
			s.delim, s.counts = detectDelimiter(line)
			s.detected = true
		}
		if bytes.IndexByte(line, '"') < 0 {
			s.splitPlain(line)
			return true, nil
		}
		return true, s.splitQuoted(line)
	}
}

// splitPlain splits a line that has no quote character.
func (s *csvScanner) splitPlain(line []byte) {
	s.multiline = false
	s.fields = s.fields[:0]
	for {
		i := bytes.IndexByte(line, s.delim)
		if i < 0 {
			s.fields = append(s.fields, line)
			return
		}
		s.fields = append(s.fields, line[:i])
		line = line[i+1:]
	}
}

// splitQuoted splits a record that has quotes, reading more lines while a
// quoted field goes on past the end of a line. A line break inside a quoted
// field is kept as "\n" whatever the file's line endings.
func (s *csvScanner) splitQuoted(line []byte) error {
	s.multiline = true
	s.rec = s.rec[:0]
	s.ends = s.ends[:0]
	s.fieldLines = s.fieldLines[:0]
	pos := 0
	for {
		field := len(s.ends)
		s.fieldLines = append(s.fieldLines, s.line)
		if pos < len(line) && line[pos] == '"' {
			start := s.line
			pos++
			for {
				i := bytes.IndexByte(line[pos:], '"')
				if i < 0 {
					s.rec = append(s.rec, line[pos:]...)
					s.rec = append(s.rec, '\n')
					next, err := s.readLine()
					if err == io.EOF {
						s.errField = field
						return &ParseError{
							Line: start, Err: ErrQuote,
							Detail: "a quoted field starts here and its closing quote is missing",
							Hint:   `close the quote, and write each quote inside the field twice ("")`,
						}
					}
					if err != nil {
						return err
					}
					line, pos = next, 0
					continue
				}
				s.rec = append(s.rec, line[pos:pos+i]...)
				pos += i + 1
				if pos < len(line) && line[pos] == '"' {
					s.rec = append(s.rec, '"')
					pos++
					continue
				}
				break
			}
			s.ends = append(s.ends, len(s.rec))
			if pos == len(line) {
				break
			}
			if line[pos] != s.delim {
				s.errField = field
				return &ParseError{
					Line: s.line, Err: ErrQuote,
					Detail: "text follows the closing quote of a field",
					Hint:   `quote the whole field, and write each quote inside it twice ("")`,
				}
			}
			pos++
			continue
		}
		i := bytes.IndexByte(line[pos:], s.delim)
		if i < 0 {
			s.rec = append(s.rec, line[pos:]...)
			s.ends = append(s.ends, len(s.rec))
			break
		}
		s.rec = append(s.rec, line[pos:pos+i]...)
		s.ends = append(s.ends, len(s.rec))
		pos += i + 1
	}

	s.fields = s.fields[:0]
	start := 0
	for _, end := range s.ends {
		s.fields = append(s.fields, s.rec[start:end])
		start = end
	}
	return nil
}

// fieldLine returns the physical line that field i of the record starts on.
func (s *csvScanner) fieldLine(i int) int {
	if s.multiline {
		return s.fieldLines[i]
	}
	return s.recLine
}
