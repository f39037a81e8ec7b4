package notify

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"os"
	"strings"
)

// Config is how the desk reaches the world outside itself. Every part is
// optional: an unset channel is simply not used.
type Config struct {
	SMTP     SMTPConfig
	Telegram TelegramConfig
	Webhook  WebhookConfig
	// BaseURL turns desk paths into links in e-mail, Telegram and webhooks
	// (e.g. https://desk.example.org); without it links are left out.
	BaseURL string
}

// SMTPConfig is a mail relay. STARTTLS is used whenever the server offers
// it; credentials are only sent over TLS or to a local relay.
type SMTPConfig struct {
	Addr     string // host:port
	From     string // sender address
	Username string
	Password string
}

// TelegramConfig is a bot and the chat it posts alerts to.
type TelegramConfig struct {
	Token  string // bot token
	ChatID string // the desk's alert chat: a number (groups are negative) or @channel
	APIURL string // default https://api.telegram.org
}

// WebhookConfig is an HTTPS endpoint that receives every broadcast
// notification, signed with Secret (see Sign).
type WebhookConfig struct {
	URL    string
	Secret string
}

// ConfigFromEnv reads KAVAL_SMTP_ADDR, KAVAL_SMTP_FROM, KAVAL_SMTP_USERNAME,
// KAVAL_SMTP_PASSWORD, KAVAL_TELEGRAM_BOT_TOKEN, KAVAL_TELEGRAM_CHAT_ID,
// KAVAL_TELEGRAM_API_URL, KAVAL_NOTIFY_WEBHOOK_URL,
// KAVAL_NOTIFY_WEBHOOK_SECRET. getenv nil means os.Getenv.
func ConfigFromEnv(getenv func(string) string, baseURL string) (Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	c := Config{BaseURL: strings.TrimRight(baseURL, "/"),
		SMTP: SMTPConfig{Addr: getenv("KAVAL_SMTP_ADDR"), From: getenv("KAVAL_SMTP_FROM"),
			Username: getenv("KAVAL_SMTP_USERNAME"), Password: getenv("KAVAL_SMTP_PASSWORD")},
		Telegram: TelegramConfig{Token: getenv("KAVAL_TELEGRAM_BOT_TOKEN"), ChatID: getenv("KAVAL_TELEGRAM_CHAT_ID"),
			APIURL: getenv("KAVAL_TELEGRAM_API_URL")},
		Webhook: WebhookConfig{URL: getenv("KAVAL_NOTIFY_WEBHOOK_URL"), Secret: getenv("KAVAL_NOTIFY_WEBHOOK_SECRET")},
	}
	return c, c.Validate()
}

// Validate says what is wrong with a configuration, naming the variable.
func (c *Config) Validate() error {
	if c.SMTP.Addr != "" {
		if _, _, err := net.SplitHostPort(c.SMTP.Addr); err != nil {
			return fmt.Errorf("notify: KAVAL_SMTP_ADDR %q is not host:port", c.SMTP.Addr)
		}
		if _, err := parseAddress(c.SMTP.From); err != nil {
			return fmt.Errorf("notify: KAVAL_SMTP_FROM must be an e-mail address when KAVAL_SMTP_ADDR is set")
		}
	}
	if c.Telegram.Token != "" {
		if c.Telegram.ChatID == "" || !validChat(c.Telegram.ChatID) {
			return fmt.Errorf("notify: KAVAL_TELEGRAM_CHAT_ID (a chat number or @channel) is required with KAVAL_TELEGRAM_BOT_TOKEN")
		}
		if strings.ContainsAny(c.Telegram.Token, "/?# ") {
			return fmt.Errorf("notify: KAVAL_TELEGRAM_BOT_TOKEN is not a bot token")
		}
		if c.Telegram.APIURL == "" {
			c.Telegram.APIURL = "https://api.telegram.org"
		}
		if u, err := url.Parse(c.Telegram.APIURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") {
			return fmt.Errorf("notify: KAVAL_TELEGRAM_API_URL must be an http(s) URL")
		}
		c.Telegram.APIURL = strings.TrimRight(c.Telegram.APIURL, "/")
	}
	if c.Webhook.URL != "" {
		if u, err := url.Parse(c.Webhook.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("notify: KAVAL_NOTIFY_WEBHOOK_URL must be an http(s) URL")
		}
		if len(c.Webhook.Secret) < 16 {
			return fmt.Errorf("notify: KAVAL_NOTIFY_WEBHOOK_SECRET of at least 16 characters is required with KAVAL_NOTIFY_WEBHOOK_URL")
		}
	}
	return nil
}

func parseAddress(s string) (string, error) {
	a, err := mail.ParseAddress(s)
	if err != nil || strings.ContainsAny(s, "\r\n") {
		return "", fmt.Errorf("notify: %q is not an e-mail address", s)
	}
	return a.Address, nil
}
