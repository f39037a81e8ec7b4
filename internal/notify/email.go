package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/smtp"
	"strings"
	"time"
)

// plain renders a notification as one subject and a plain-text body in
// every language it has (English first: alerts go to mixed desks), with
// the absolute link when the desk's base URL is known.
func (n *Notifier) plain(m Notification) (subject, body string) {
	var b strings.Builder
	subjects := []string{}
	for _, lang := range []string{"en", "kn", "hi"} {
		t, ok := m.Text[lang]
		if !ok || t.Subject == "" {
			continue
		}
		subjects = append(subjects, t.Subject)
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(t.Subject)
		if t.Body != "" {
			b.WriteString("\n" + t.Body)
		}
	}
	if m.Link != "" && n.cfg.BaseURL != "" {
		b.WriteString("\n\n" + n.cfg.BaseURL + m.Link)
	}
	return oneLine(strings.Join(subjects, " / ")), b.String()
}

// oneLine keeps a header value on one line whatever the text held.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func (n *Notifier) sendEmail(ctx context.Context, d Delivery, m Notification) error {
	c := n.cfg.SMTP
	if c.Addr == "" {
		return permanent{fmt.Errorf("e-mail is not configured")}
	}
	to, err := parseAddress(d.Target)
	if err != nil {
		return permanent{err}
	}
	from, err := parseAddress(c.From)
	if err != nil {
		return permanent{err}
	}
	subject, body := n.plain(m)
	prefix := "[Kaval] "
	if m.Severity == Critical {
		prefix = "[Kaval] ‼ "
	}
	var msg bytes.Buffer
	fmt.Fprintf(&msg, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <notify-%d-%d@kaval>\r\n",
		from, to, mime.QEncoding.Encode("utf-8", prefix+subject), n.now().UTC().Format(time.RFC1123Z), m.ID, d.ID)
	msg.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	qp := quotedprintable.NewWriter(&msg)
	qp.Write([]byte(strings.ReplaceAll(body, "\n", "\r\n")))
	qp.Close()
	return smtpSend(ctx, c, from, to, msg.Bytes())
}

// smtpSend is smtp.SendMail with a deadline: STARTTLS when offered, AUTH
// only when credentials are configured (net/smtp itself refuses PLAIN
// over an unencrypted connection to anything but localhost).
func smtpSend(ctx context.Context, c SMTPConfig, from, to string, msg []byte) error {
	host, _, _ := net.SplitHostPort(c.Addr)
	var dl net.Dialer
	conn, err := dl.DialContext(ctx, "tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	if t, ok := ctx.Deadline(); ok {
		conn.SetDeadline(t)
	}
	cl, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("smtp: %w", err)
	}
	defer cl.Close()
	if ok, _ := cl.Extension("STARTTLS"); ok {
		if err := cl.StartTLS(&tls.Config{ServerName: host}); err != nil {
			return fmt.Errorf("smtp: starttls: %w", err)
		}
	}
	if c.Username != "" {
		if err := cl.Auth(smtp.PlainAuth("", c.Username, c.Password, host)); err != nil {
			return smtpErr("auth", err)
		}
	}
	if err := cl.Mail(from); err != nil {
		return smtpErr("mail from", err)
	}
	if err := cl.Rcpt(to); err != nil {
		return smtpErr("rcpt to", err)
	}
	w, err := cl.Data()
	if err != nil {
		return smtpErr("data", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("smtp: data: %w", err)
	}
	if err := w.Close(); err != nil {
		return smtpErr("data", err)
	}
	return cl.Quit()
}

// smtpErr makes a 5xx reply (the server refused for good) permanent;
// 4xx and network errors are retried.
func smtpErr(step string, err error) error {
	e := fmt.Errorf("smtp: %s: %w", step, err)
	if s := err.Error(); len(s) >= 3 && s[0] == '5' {
		return permanent{e}
	}
	return e
}
