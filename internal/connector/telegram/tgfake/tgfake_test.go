package tgfake_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/connector/telegram"
	"github.com/kaval-desk/kaval/internal/connector/telegram/tgfake"
)

type env struct {
	OK          bool              `json:"ok"`
	Result      []json.RawMessage `json:"result"`
	ErrorCode   int               `json:"error_code"`
	Description string            `json:"description"`
}

func call(t *testing.T, s *tgfake.Server, method string, form url.Values) (int, env) {
	t.Helper()
	resp, err := http.PostForm(s.URL()+"/botT/"+method, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var e env
	json.Unmarshal(b, &e)
	if method != "getUpdates" {
		e.Result = nil
	}
	return resp.StatusCode, e
}

func TestOffsetsAndConflicts(t *testing.T) {
	s := tgfake.New("T")
	defer s.Close()
	chat := telegram.Chat{ID: 1, Type: "private"}
	for range 5 {
		s.PushMessage(telegram.Message{Chat: chat, Text: "x"})
	}
	if _, e := call(t, s, "getUpdates", url.Values{"offset": {"-2"}}); len(e.Result) != 2 || s.Pending() != 2 {
		t.Fatalf("negative offset: %d results, %d pending", len(e.Result), s.Pending())
	}
	// Two overlapping long polls: the second gets 409.
	s.MaxPollWait = 300 * time.Millisecond
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		call(t, s, "getUpdates", url.Values{"offset": {"999999999999"}, "timeout": {"1"}})
	}()
	time.Sleep(50 * time.Millisecond)
	if code, e := call(t, s, "getUpdates", url.Values{"timeout": {"0"}}); code != 409 || !strings.Contains(e.Description, "Conflict") {
		t.Errorf("overlapping poll: %d %+v", code, e)
	}
	wg.Wait()
	if code, _ := call(t, s, "sendMessage", url.Values{"chat_id": {"1"}, "text": {"hi"}, "reply_to_message_id": {"99999"}}); code != 400 {
		t.Errorf("reply to unknown message: %d", code)
	}
	if code, _ := call(t, s, "sendMessage", url.Values{"chat_id": {"1"}, "text": {"hi"}, "reply_parameters": {`{"message_id":99999,"allow_sending_without_reply":true}`}}); code != 200 {
		t.Errorf("allow_sending_without_reply: %d", code)
	}
	if code, _ := call(t, s, "sendMessage", url.Values{"chat_id": {"42"}, "text": {"hi"}}); code != 400 {
		t.Errorf("unknown chat: %d", code)
	}
	resp, _ := http.Get(s.URL() + "/botWRONG/getMe")
	if resp.StatusCode != 401 {
		t.Errorf("bad token: %d", resp.StatusCode)
	}
	resp.Body.Close()
}
