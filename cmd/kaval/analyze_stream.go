package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/kaval-desk/kaval/internal/analyze"
)

// analyzeBatchSize is the number of lines a worker takes at a time.
const analyzeBatchSize = 256

// analyzeStream reads lines, analyses them on workers and writes results in
// input order. Memory is bounded: at most a window of batches is in flight.
//
// Every worker does every step: it takes the next batch from the input
// (under a lock), analyses it, and hands the output to the stream, which
// writes it when every earlier batch has been written; whichever worker
// completes the next batch in order does the writing. No worker waits on
// a reader or writer goroutine. An earlier version had one of each beside
// the workers, and on a loaded machine (load average 25–50 on two cores)
// each hand-off waited for that goroutine's thread to be scheduled: the
// process got through the file at ~0.3 cores of CPU per second of wall
// against govader's single thread's ~0.6.
func analyzeStream(ctx context.Context, eng *analyze.Engine, r io.Reader, w io.Writer, workers int) error {
	s := &stream{ctx: ctx, br: bufio.NewReaderSize(r, 1<<16), w: w, pending: map[int][]byte{}, window: 4 * workers}
	s.wrote = sync.NewCond(&s.outMu)
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out []byte
			for {
				lines, seq, ok := s.take()
				if !ok {
					return
				}
				out = make([]byte, 0, 512*len(lines))
				for _, l := range lines {
					out = analyzeOne(eng, l, out)
				}
				s.put(seq, out)
			}
		}()
	}
	wg.Wait()
	if s.werr != nil {
		return fmt.Errorf("unable to write output: %w", s.werr)
	}
	return s.rerr
}

type stream struct {
	ctx context.Context

	inMu  sync.Mutex // guards the input side
	br    *bufio.Reader
	seq   int // the next batch's number
	done  bool
	rerr  error
	arena []byte

	outMu   sync.Mutex // guards the output side
	wrote   *sync.Cond // signalled when next moves
	w       io.Writer
	next    int            // the next batch to write
	pending map[int][]byte // outputs waiting for an earlier batch
	writing bool           // a worker is writing pending outputs
	window  int            // batches a worker may be ahead of next
	werr    error
}

// take reads the next batch. Its lines share one buffer, not one
// allocation each. ok is false when the input is done (or failed, the
// context ended, or the output failed).
func (s *stream) take() (lines [][]byte, seq int, ok bool) {
	s.inMu.Lock()
	defer s.inMu.Unlock()
	if s.done {
		return nil, 0, false
	}
	s.outMu.Lock()
	failed := s.werr != nil
	s.outMu.Unlock()
	if failed {
		s.done = true
		return nil, 0, false
	}
	for len(lines) < analyzeBatchSize {
		if err := s.ctx.Err(); err != nil {
			s.rerr, s.done = err, true
			break
		}
		var line []byte
		var tooLong bool
		var err error
		line, tooLong, s.arena, err = readAnalyzeLine(s.br, maxAnalyzeLine, s.arena)
		if tooLong {
			lines = append(lines, nil) // nil: too long
		} else if len(bytes.TrimSpace(line)) > 0 {
			lines = append(lines, line)
		}
		if err != nil {
			if err != io.EOF {
				s.rerr = fmt.Errorf("unable to read input: %w", err)
			}
			s.done = true
			break
		}
	}
	if len(lines) == 0 {
		return nil, 0, false
	}
	s.arena = nil // the next batch's lines go to a buffer of their own
	seq = s.seq
	s.seq++
	return lines, seq, true
}

// put hands over batch seq's output. The worker that brings the next
// batch in order writes it and every later one already waiting (outside
// the lock, so the others keep handing over theirs); a worker too far
// ahead of the writing waits, which bounds the memory held.
func (s *stream) put(seq int, out []byte) {
	s.outMu.Lock()
	defer s.outMu.Unlock()
	for seq-s.next >= s.window && s.werr == nil {
		s.wrote.Wait()
	}
	s.pending[seq] = out
	if s.writing {
		return
	}
	s.writing = true
	for {
		b, ok := s.pending[s.next]
		if !ok {
			break
		}
		delete(s.pending, s.next)
		s.next++
		if s.werr == nil {
			s.outMu.Unlock()
			_, err := s.w.Write(b)
			s.outMu.Lock()
			if err != nil && s.werr == nil {
				s.werr = err
			}
		}
		s.wrote.Broadcast()
	}
	s.writing = false
}

// readAnalyzeLine reads one line of up to limit bytes, appending it to
// arena (the batch's shared buffer: a line already handed out keeps its
// bytes when arena grows, as growing copies). A longer line is consumed
// and reported as tooLong.
func readAnalyzeLine(br *bufio.Reader, limit int, arena []byte) (line []byte, tooLong bool, _ []byte, err error) {
	if cap(arena)-len(arena) < 4096 {
		// 64 KB holds ~400 lines of posts: a batch needs one or two.
		arena = make([]byte, 0, 64<<10)
	}
	start := len(arena)
	for {
		chunk, isPrefix, e := br.ReadLine()
		if len(arena)-start+len(chunk) > limit {
			tooLong = true
		} else if !tooLong {
			arena = append(arena, chunk...)
		}
		if e != nil || !isPrefix {
			if tooLong {
				return nil, true, arena[:start], e
			}
			return arena[start:len(arena):len(arena)], false, arena, e
		}
	}
}
