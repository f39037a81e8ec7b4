package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/ingest"
	"github.com/kaval-desk/kaval/internal/post"
)

// maxImportLine bounds one JSON line: a post's text and raw payload at
// their limits, with room for escaping.
const maxImportLine = 4 << 20

func init() {
	register(command{name: "import", summary: "import normalised posts from a JSON-lines file", run: runImport})
}

// decodeImportLine parses one line strictly: one JSON object, known fields
// only, valid UTF-8 (encoding/json would silently replace bad bytes).
func decodeImportLine(line []byte) (post.Post, error) {
	var p post.Post
	if !utf8.Valid(line) {
		return p, errors.New("not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return p, fmt.Errorf("bad JSON: %w", err)
	}
	if dec.More() {
		return p, errors.New("more than one JSON value on the line")
	}
	if p.Analysis != nil || p.ID != 0 || p.CaseID != 0 || p.ChannelID != 0 {
		return p, errors.New("id, case_id, channel_id and analysis are assigned by the desk, not imported")
	}
	if !post.KnownPlatform(p.Platform) {
		return p, fmt.Errorf("unknown platform %q (want one of %s)", trimField(p.Platform), strings.Join(post.Platforms, ", "))
	}
	return p, nil
}

func runImport(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "import", "[--db URL] FILE.jsonl (- for stdin)")
	dsn := dbFlag(fs, env)
	batch := fs.Int("batch", 1000, "posts per batch")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	var r io.Reader = env.stdin
	var total int64
	if name := fs.Arg(0); name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil {
			total = st.Size()
		}
		r = f
	}
	db, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	in := ingest.New(db, nil, ingest.Options{})
	defer in.Close()

	cr := &countingReader{r: r}
	br := bufio.NewReaderSize(cr, 64<<10)
	prog := newProgress(env.stderr, "import", total)
	var stored, dups, bad int64
	var lineNo int64
	var pending []post.Post
	var pendingLines []int64
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		res, err := in.Submit(ctx, pending)
		if err != nil {
			return err
		}
		for i, rs := range res {
			switch {
			case rs.Err != nil:
				bad++
				fmt.Fprintf(env.stderr, "line %d: %v\n", pendingLines[i], rs.Err)
			case rs.Duplicate:
				dups++
			default:
				stored++
			}
		}
		pending, pendingLines = pending[:0], pendingLines[:0]
		prog.update(cr.n, fmt.Sprintf("stored=%d duplicates=%d errors=%d", stored, dups, bad))
		return nil
	}
	for {
		line, err := readLine(br, maxImportLine)
		if len(line) > 0 || errors.Is(err, errLineTooLong) {
			lineNo++
		}
		if errors.Is(err, errLineTooLong) {
			bad++
			fmt.Fprintf(env.stderr, "line %d: longer than %d bytes\n", lineNo, maxImportLine)
			continue
		}
		if len(bytes.TrimSpace(line)) > 0 {
			p, perr := decodeImportLine(line)
			if perr != nil {
				bad++
				fmt.Fprintf(env.stderr, "line %d: %v\n", lineNo, perr)
			} else {
				pending = append(pending, p)
				pendingLines = append(pendingLines, lineNo)
				if len(pending) >= *batch {
					if err := flush(); err != nil {
						return err
					}
				}
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	if err := flush(); err != nil {
		return err
	}
	prog.done(cr.n, fmt.Sprintf("stored=%d duplicates=%d errors=%d", stored, dups, bad))
	fmt.Fprintf(env.stdout, "imported %d posts (%d duplicates skipped, %d lines refused)\n", stored, dups, bad)
	if bad > 0 {
		return fmt.Errorf("%d lines refused", bad)
	}
	return nil
}

var errLineTooLong = errors.New("line too long")

// readLine returns the next line without its newline. An over-long line is
// skipped whole and reported as errLineTooLong, so one bad line cannot
// exhaust memory or desynchronise the rest.
func readLine(br *bufio.Reader, max int) ([]byte, error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(buf)+len(chunk) > max {
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
			if err == io.EOF {
				return nil, errLineTooLong
			}
			return nil, errLineTooLong
		}
		buf = append(buf, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return bytes.TrimRight(buf, "\r\n"), err
	}
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// trimField shortens a hostile value before it is echoed in an error.
func trimField(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
