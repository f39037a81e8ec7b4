package telegram

import (
	"testing"
	"time"
	"unicode/utf8"
)

var seeds = []string{
	`{"update_id":804512337,"message":{"message_id":2241,"message_thread_id":2230,"from":{"id":5123456789,"is_bot":false,"first_name":"Jo","last_name":"Resident","username":"jo_res","language_code":"en"},"chat":{"id":-1001234567890,"type":"supergroup","title":"Springfield Neighbourhood Watch","username":"springfield_watch","is_forum":true},"date":1787217600,"text":"@SpringfieldPoliceBot streetlight out #safety","entities":[{"type":"mention","offset":0,"length":21}],"reply_to_message":{"message_id":2230,"from":{"id":7000000001,"is_bot":true,"first_name":"Police"},"chat":{"id":-1001234567890,"type":"supergroup"},"date":1787210000,"text":"Report here."}}}`,
	`{"update_id":1,"message":{"message_id":3,"chat":{"id":42,"type":"private"},"date":1,"location":{"latitude":12.97,"longitude":77.59}}}`,
	`{"update_id":2,"channel_post":{"message_id":9,"sender_chat":{"id":-100777,"type":"channel","title":"News"},"chat":{"id":-100777,"type":"channel","username":"news"},"date":5,"caption":"photo caption"}}`,
	`{"update_id":3,"message_reaction":{"chat":{"id":1}}}`,
	`{"update_id":4,"message":{"message_id":1,"chat":{"id":1,"type":"private"},"date":-99999999999,"text":"\u0000\ufeff\u200b x","venue":{"location":{"latitude":999,"longitude":0},"title":"t"}}}`,
	`{"update_id":5,"message":{"message_id":1,"chat":{"id":-9223372036854775808,"type":"group"},"date":1,"text":"x"}}`,
	`{"update_id":`, `[]`, `null`, `{"update_id":"1"}`,
	`{"update_id":0,"message":{"message_id":1,"chat":{"id":7,"type":"private"},"date":1787217600,"photo":[{"file_id":"a"},{"file_id":"b]\nx"}],"forward_origin":{"type":"hidden_user"}}}`,
	`{"update_id":16,"edited_message":{"message_id":20,"chat":{"id":5,"type":"private"},"date":1787217600,"edit_date":1787217700,"text":"x"}}`,
	`{"update_id":17,"deleted_business_messages":{"chat":{"id":5,"type":"private"},"message_ids":[20,0,21]}}`,
}

func FuzzDecodeUpdate(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		u, err := DecodeUpdate(b)
		if err != nil {
			return
		}
		for _, c := range Deletions(u, b, time.Unix(0, 0)) {
			if c.ExternalID == "" || c.Op != "delete" {
				t.Fatalf("bad deletion %+v", c)
			}
		}
		p, ok := Normalize(u, b, "ch", 0)
		if !ok {
			return
		}
		if u.IsEdit() {
			if c := Edit(u, p); c.ExternalID != p.ExternalID || c.Post == nil {
				t.Fatalf("bad edit %+v", c)
			}
		}
		if p.ExternalID == "" || p.Platform != "telegram" || !utf8.ValidString(p.Text) {
			t.Fatalf("bad post %+v", p)
		}
		if p.Lat != nil && (*p.Lat < -90 || *p.Lat > 90) {
			t.Fatalf("latitude out of range: %v", *p.Lat)
		}
	})
}

func BenchmarkDecodeNormalize(b *testing.B) {
	raw := []byte(seeds[0])
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		u, err := DecodeUpdate(raw)
		if err != nil {
			b.Fatal(err)
		}
		if _, ok := Normalize(u, raw, "ch", 0); !ok {
			b.Fatal("not normalised")
		}
	}
}
