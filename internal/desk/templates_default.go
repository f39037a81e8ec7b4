package desk

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// defaultTemplates are the templates a new desk starts with, so the first
// shift can answer in three languages at once; supervisors edit them.
var defaultTemplates = []Template{
	{Name: "Acknowledgement", Purpose: "acknowledge", Bodies: map[string]string{
		"en": "Thank you for reaching Bengaluru City Police. Your reference is {ref}. {station} will look into it; you can reach them at {station_phone}. In an emergency call 112.",
		"kn": "ಬೆಂಗಳೂರು ನಗರ ಪೊಲೀಸರನ್ನು ಸಂಪರ್ಕಿಸಿದ್ದಕ್ಕೆ ಧನ್ಯವಾದಗಳು. ನಿಮ್ಮ ಉಲ್ಲೇಖ ಸಂಖ್ಯೆ {ref}. {station} ಇದನ್ನು ಪರಿಶೀಲಿಸುತ್ತದೆ; ಸಂಪರ್ಕ: {station_phone}. ತುರ್ತು ಸಂದರ್ಭದಲ್ಲಿ 112 ಗೆ ಕರೆ ಮಾಡಿ.",
		"hi": "बेंगलुरु सिटी पुलिस से संपर्क करने के लिए धन्यवाद। आपका संदर्भ {ref} है। {station} इसे देखेगा; संपर्क: {station_phone}। आपात स्थिति में 112 पर कॉल करें।",
	}},
	{Name: "Helpline", Bodies: map[string]string{
		"en": "We have noted your message ({ref}). Please call the {helpline} for immediate help.",
		"kn": "ನಿಮ್ಮ ಸಂದೇಶವನ್ನು ದಾಖಲಿಸಲಾಗಿದೆ ({ref}). ತಕ್ಷಣದ ಸಹಾಯಕ್ಕಾಗಿ {helpline} ಗೆ ಕರೆ ಮಾಡಿ.",
		"hi": "हमने आपका संदेश दर्ज कर लिया है ({ref})। तुरंत सहायता के लिए {helpline} पर कॉल करें।",
	}},
	{Name: "Station acted", Purpose: "station_action", Bodies: map[string]string{
		"en": "Update on {ref}: {action}. Thank you for informing Bengaluru City Police.",
		"kn": "{ref} ಕುರಿತು ಮಾಹಿತಿ: {action}. ಬೆಂಗಳೂರು ನಗರ ಪೊಲೀಸರಿಗೆ ತಿಳಿಸಿದ್ದಕ್ಕೆ ಧನ್ಯವಾದಗಳು.",
		"hi": "{ref} पर अपडेट: {action}। बेंगलुरु सिटी पुलिस को सूचित करने के लिए धन्यवाद।",
	}},
}

// SeedTemplates stores the default templates on a desk that has none.
func (d *Desk) SeedTemplates(ctx context.Context) error {
	var n int
	if err := d.db.Read.QueryRowContext(ctx, "SELECT count(*) FROM reply_templates").Scan(&n); err != nil {
		return fmt.Errorf("desk: unable to count templates: %w", err)
	}
	if n > 0 {
		return nil
	}
	for _, t := range defaultTemplates {
		t.Bodies = cloneBodies(t.Bodies)
		// Replicas starting together may both seed: the second finds the
		// name taken, which is fine (the name is unique in the table).
		var inv *InvalidError
		if _, err := d.SaveTemplate(ctx, t, 0); err != nil && !(errors.As(err, &inv) && inv.Field == "name") && !isUniqueViolation(err) {
			return err
		}
	}
	return nil
}

func cloneBodies(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// isUniqueViolation reports a unique-constraint error of either store.
func isUniqueViolation(err error) bool {
	m := err.Error()
	return strings.Contains(m, "UNIQUE constraint") || strings.Contains(m, "23505")
}
