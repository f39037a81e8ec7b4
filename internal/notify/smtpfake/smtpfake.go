// Package smtpfake is a local SMTP server for tests: it speaks enough of
// RFC 5321 (EHLO/HELO, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP,
// QUIT) for net/smtp, keeps every message it accepted, and can refuse the
// next transactions with a chosen reply.
package smtpfake

import (
	"bufio"
	"net"
	"net/mail"
	"strings"
	"sync"
)

// Message is one accepted mail.
type Message struct {
	From string
	To   []string
	Data string // headers and body as received, CRLF line ends
}

// Header parses the message's headers.
func (m Message) Header() mail.Header {
	msg, err := mail.ReadMessage(strings.NewReader(m.Data))
	if err != nil {
		return mail.Header{}
	}
	return msg.Header
}

// Server is a running fake.
type Server struct {
	ln     net.Listener
	mu     sync.Mutex
	msgs   []Message
	refuse []string // replies to DATA's end, one per transaction, in order
	wg     sync.WaitGroup
}

// Start listens on a loopback port.
func Start() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{ln: ln}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Addr is host:port to configure.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops the server.
func (s *Server) Close() { s.ln.Close(); s.wg.Wait() }

// Messages returns what was accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// RefuseNext makes the next message's end of DATA answer reply (e.g.
// "451 4.3.0 try again later" or "550 5.1.1 no such user").
func (s *Server) RefuseNext(reply string) {
	s.mu.Lock()
	s.refuse = append(s.refuse, reply)
	s.mu.Unlock()
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() { defer s.wg.Done(); s.session(c) }()
	}
}

func (s *Server) session(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	w := bufio.NewWriter(c)
	say := func(line string) { w.WriteString(line + "\r\n"); w.Flush() }
	say("220 smtpfake ESMTP ready")
	var cur Message
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb := strings.ToUpper(line)
		switch {
		case strings.HasPrefix(verb, "EHLO"):
			w.WriteString("250-smtpfake\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n")
			w.Flush()
		case strings.HasPrefix(verb, "HELO"):
			say("250 smtpfake")
		case strings.HasPrefix(verb, "MAIL FROM:"):
			cur = Message{From: addr(line[10:])}
			say("250 2.1.0 ok")
		case strings.HasPrefix(verb, "RCPT TO:"):
			if cur.From == "" {
				say("503 5.5.1 MAIL first")
				continue
			}
			cur.To = append(cur.To, addr(line[8:]))
			say("250 2.1.5 ok")
		case verb == "DATA":
			if len(cur.To) == 0 {
				say("503 5.5.1 RCPT first")
				continue
			}
			say("354 end with <CRLF>.<CRLF>")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" || l == ".\n" {
					break
				}
				b.WriteString(strings.TrimPrefix(l, "."))
			}
			cur.Data = b.String()
			s.mu.Lock()
			var reply string
			if len(s.refuse) > 0 {
				reply, s.refuse = s.refuse[0], s.refuse[1:]
			} else {
				s.msgs = append(s.msgs, cur)
			}
			s.mu.Unlock()
			if reply != "" {
				say(reply)
			} else {
				say("250 2.0.0 queued")
			}
			cur = Message{}
		case verb == "RSET":
			cur = Message{}
			say("250 ok")
		case verb == "NOOP":
			say("250 ok")
		case verb == "QUIT":
			say("221 bye")
			return
		default:
			say("502 5.5.2 command not recognised")
		}
	}
}

func addr(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, ' '); i > 0 {
		s = s[:i] // drop ESMTP parameters such as BODY=8BITMIME
	}
	return strings.Trim(s, "<>")
}
