package webform

import "strings"

// The form speaks English and Kannada. Every key must exist in both; a test
// checks it.
var messages = map[string]map[string]string{
	"en": {
		"lang_switch":      "ಕನ್ನಡ",
		"title":            "Report a concern",
		"intro":            "Tell the police about something that worries you. This form is not for emergencies: in an emergency call 112.",
		"concern":          "What happened?",
		"concern_help":     "Describe what, where and when. Please do not include other people's personal details.",
		"place":            "Where? (area, road or landmark)",
		"latlon":           "Or share your location:",
		"lat":              "Latitude",
		"lon":              "Longitude",
		"locate":           "Use my location",
		"located":          "Location added",
		"locate_failed":    "Could not get your location",
		"name":             "Your name (optional)",
		"phone":            "Phone (optional)",
		"email":            "E-mail (optional)",
		"contact_help":     "Only the police see your name and contact details. They are never shown publicly.",
		"submit":           "Send report",
		"hp":               "Leave this field empty",
		"done_title":       "Thank you, your report was received",
		"done_ref":         "Your reference number is",
		"done_keep":        "Keep both: the status page asks for the reference number and the status code. Only you have the code.",
		"done_code":        "Your status code is",
		"check":            "Check the status of a report",
		"status_title":     "Report status",
		"status_lookup":    "Your reference number",
		"status_code":      "Your status code",
		"status_code_help": "The ten-character code given with your reference number, e.g. 3F9A2-C41B7.",
		"status":           "Status",
		"unit":             "Handled by",
		"opened":           "Received",
		"updated":          "Last update",
		"steps":            "Progress",
		"notfound":         "Not found",
		"notfound_text":    "We could not find a report with that reference number and status code. Please check both and try again.",
		"refused":          "Report not accepted",
		"busy":             "Please try again",

		"err_generic":          "Your report could not be accepted.",
		"err_token":            "This form is no longer valid. Please send your report again.",
		"err_fast":             "That was quicker than a person can fill in the form. Please check your report and send it again.",
		"err_expired":          "This form expired after two hours. Your text is kept below; please send it again.",
		"err_replay":           "This form was already sent. If you pressed the button twice, your first report was received.",
		"err_rate":             "Too many reports from your network. Please wait a few minutes and try again.",
		"err_busy":             "We could not save your report just now. Please try again in a minute.",
		"err_size":             "Your report is too large.",
		"err_utf8":             "Your report contains characters we cannot read.",
		"err_links":            "Your report contains too many web links. Please remove them and send it again.",
		"err_fields":           "Your report contains repeated fields.",
		"err_type":             "Please send the report with the form on this page.",
		"err_concern_required": "Please describe your concern (at least 10 characters).",
		"err_concern_long":     "Your description is too long (at most 3,000 characters).",
		"err_name_long":        "Your name is too long.",
		"err_place_long":       "The place name is too long.",
		"err_phone":            "Please enter a valid phone number (digits, optionally starting with +).",
		"err_email":            "Please enter a valid e-mail address.",
		"err_latlon":           "A location needs both a latitude (-90 to 90) and a longitude (-180 to 180).",

		"st_new":             "Received",
		"st_open":            "Being handled",
		"st_waiting_station": "With the police station",
		"st_waiting_citizen": "Waiting for your reply",
		"st_resolved":        "Resolved",
		"st_closed":          "Closed",
		"st_other":           "In progress",

		"step_received": "Received",
		"step_status":   "Status: {status}",
		"step_unit":     "Sent to {unit}",
		"step_replied":  "The police replied",
		"step_action":   "The station acted: {action}",
		"step_other":    "Updated",
	},
	"kn": {
		"lang_switch":      "English",
		"title":            "ದೂರು ಅಥವಾ ಕಳಕಳಿ ತಿಳಿಸಿ",
		"intro":            "ನಿಮ್ಮನ್ನು ಕಾಡುತ್ತಿರುವ ವಿಷಯವನ್ನು ಪೊಲೀಸರಿಗೆ ತಿಳಿಸಿ. ಈ ಫಾರ್ಮ್ ತುರ್ತು ಸಂದರ್ಭಗಳಿಗಲ್ಲ: ತುರ್ತು ಸಂದರ್ಭದಲ್ಲಿ 112ಕ್ಕೆ ಕರೆ ಮಾಡಿ.",
		"concern":          "ಏನಾಯಿತು?",
		"concern_help":     "ಏನು, ಎಲ್ಲಿ, ಯಾವಾಗ ಎಂದು ವಿವರಿಸಿ. ದಯವಿಟ್ಟು ಇತರರ ವೈಯಕ್ತಿಕ ವಿವರಗಳನ್ನು ಸೇರಿಸಬೇಡಿ.",
		"place":            "ಎಲ್ಲಿ? (ಪ್ರದೇಶ, ರಸ್ತೆ ಅಥವಾ ಹೆಗ್ಗುರುತು)",
		"latlon":           "ಅಥವಾ ನಿಮ್ಮ ಸ್ಥಳವನ್ನು ಹಂಚಿಕೊಳ್ಳಿ:",
		"lat":              "ಅಕ್ಷಾಂಶ",
		"lon":              "ರೇಖಾಂಶ",
		"locate":           "ನನ್ನ ಸ್ಥಳ ಬಳಸಿ",
		"located":          "ಸ್ಥಳ ಸೇರಿಸಲಾಗಿದೆ",
		"locate_failed":    "ನಿಮ್ಮ ಸ್ಥಳ ಪಡೆಯಲಾಗಲಿಲ್ಲ",
		"name":             "ನಿಮ್ಮ ಹೆಸರು (ಐಚ್ಛಿಕ)",
		"phone":            "ದೂರವಾಣಿ (ಐಚ್ಛಿಕ)",
		"email":            "ಇ-ಮೇಲ್ (ಐಚ್ಛಿಕ)",
		"contact_help":     "ನಿಮ್ಮ ಹೆಸರು ಮತ್ತು ಸಂಪರ್ಕ ವಿವರಗಳನ್ನು ಪೊಲೀಸರು ಮಾತ್ರ ನೋಡುತ್ತಾರೆ. ಅವುಗಳನ್ನು ಎಂದಿಗೂ ಸಾರ್ವಜನಿಕವಾಗಿ ತೋರಿಸುವುದಿಲ್ಲ.",
		"submit":           "ದೂರು ಕಳುಹಿಸಿ",
		"hp":               "ಈ ಕ್ಷೇತ್ರವನ್ನು ಖಾಲಿ ಬಿಡಿ",
		"done_title":       "ಧನ್ಯವಾದಗಳು, ನಿಮ್ಮ ದೂರು ತಲುಪಿದೆ",
		"done_ref":         "ನಿಮ್ಮ ಉಲ್ಲೇಖ ಸಂಖ್ಯೆ",
		"done_keep":        "ಎರಡನ್ನೂ ಇಟ್ಟುಕೊಳ್ಳಿ: ಸ್ಥಿತಿ ಪುಟವು ಉಲ್ಲೇಖ ಸಂಖ್ಯೆ ಮತ್ತು ಸ್ಥಿತಿ ಸಂಕೇತ ಎರಡನ್ನೂ ಕೇಳುತ್ತದೆ. ಸಂಕೇತ ನಿಮ್ಮ ಬಳಿ ಮಾತ್ರ ಇದೆ.",
		"done_code":        "ನಿಮ್ಮ ಸ್ಥಿತಿ ಸಂಕೇತ",
		"check":            "ದೂರಿನ ಸ್ಥಿತಿ ಪರಿಶೀಲಿಸಿ",
		"status_title":     "ದೂರಿನ ಸ್ಥಿತಿ",
		"status_lookup":    "ನಿಮ್ಮ ಉಲ್ಲೇಖ ಸಂಖ್ಯೆ",
		"status_code":      "ನಿಮ್ಮ ಸ್ಥಿತಿ ಸಂಕೇತ",
		"status_code_help": "ಉಲ್ಲೇಖ ಸಂಖ್ಯೆಯೊಂದಿಗೆ ನೀಡಲಾದ ಹತ್ತು ಅಕ್ಷರಗಳ ಸಂಕೇತ, ಉದಾ. 3F9A2-C41B7.",
		"status":           "ಸ್ಥಿತಿ",
		"unit":             "ನಿರ್ವಹಿಸುತ್ತಿರುವವರು",
		"opened":           "ಸ್ವೀಕರಿಸಿದ್ದು",
		"updated":          "ಕೊನೆಯ ಬದಲಾವಣೆ",
		"steps":            "ಪ್ರಗತಿ",
		"notfound":         "ಸಿಗಲಿಲ್ಲ",
		"notfound_text":    "ಈ ಉಲ್ಲೇಖ ಸಂಖ್ಯೆ ಮತ್ತು ಸ್ಥಿತಿ ಸಂಕೇತದ ದೂರು ಸಿಗಲಿಲ್ಲ. ದಯವಿಟ್ಟು ಎರಡನ್ನೂ ಪರಿಶೀಲಿಸಿ ಮತ್ತೆ ಪ್ರಯತ್ನಿಸಿ.",
		"refused":          "ದೂರನ್ನು ಸ್ವೀಕರಿಸಲಾಗಿಲ್ಲ",
		"busy":             "ದಯವಿಟ್ಟು ಮತ್ತೆ ಪ್ರಯತ್ನಿಸಿ",

		"err_generic":          "ನಿಮ್ಮ ದೂರನ್ನು ಸ್ವೀಕರಿಸಲು ಸಾಧ್ಯವಾಗಲಿಲ್ಲ.",
		"err_token":            "ಈ ಫಾರ್ಮ್ ಇನ್ನು ಮಾನ್ಯವಾಗಿಲ್ಲ. ದಯವಿಟ್ಟು ನಿಮ್ಮ ದೂರನ್ನು ಮತ್ತೆ ಕಳುಹಿಸಿ.",
		"err_fast":             "ಫಾರ್ಮ್ ಅನ್ನು ತುಂಬಾ ಬೇಗನೆ ಕಳುಹಿಸಲಾಗಿದೆ. ದಯವಿಟ್ಟು ನಿಮ್ಮ ದೂರನ್ನು ಪರಿಶೀಲಿಸಿ ಮತ್ತೆ ಕಳುಹಿಸಿ.",
		"err_expired":          "ಎರಡು ಗಂಟೆಗಳ ನಂತರ ಈ ಫಾರ್ಮ್‌ನ ಅವಧಿ ಮುಗಿದಿದೆ. ನಿಮ್ಮ ಪಠ್ಯ ಕೆಳಗಿದೆ; ದಯವಿಟ್ಟು ಮತ್ತೆ ಕಳುಹಿಸಿ.",
		"err_replay":           "ಈ ಫಾರ್ಮ್ ಈಗಾಗಲೇ ಕಳುಹಿಸಲಾಗಿದೆ. ನೀವು ಎರಡು ಬಾರಿ ಒತ್ತಿದ್ದರೆ, ನಿಮ್ಮ ಮೊದಲ ದೂರು ತಲುಪಿದೆ.",
		"err_rate":             "ನಿಮ್ಮ ನೆಟ್‌ವರ್ಕ್‌ನಿಂದ ಹಲವು ದೂರುಗಳು ಬಂದಿವೆ. ಕೆಲವು ನಿಮಿಷಗಳ ನಂತರ ಮತ್ತೆ ಪ್ರಯತ್ನಿಸಿ.",
		"err_busy":             "ಈಗ ನಿಮ್ಮ ದೂರನ್ನು ಉಳಿಸಲಾಗಲಿಲ್ಲ. ಒಂದು ನಿಮಿಷದ ನಂತರ ಮತ್ತೆ ಪ್ರಯತ್ನಿಸಿ.",
		"err_size":             "ನಿಮ್ಮ ದೂರು ತುಂಬಾ ದೊಡ್ಡದಾಗಿದೆ.",
		"err_utf8":             "ನಿಮ್ಮ ದೂರಿನಲ್ಲಿ ಓದಲಾಗದ ಅಕ್ಷರಗಳಿವೆ.",
		"err_links":            "ನಿಮ್ಮ ದೂರಿನಲ್ಲಿ ತುಂಬಾ ವೆಬ್ ಲಿಂಕ್‌ಗಳಿವೆ. ದಯವಿಟ್ಟು ಅವುಗಳನ್ನು ತೆಗೆದು ಮತ್ತೆ ಕಳುಹಿಸಿ.",
		"err_fields":           "ನಿಮ್ಮ ದೂರಿನಲ್ಲಿ ಪುನರಾವರ್ತಿತ ಕ್ಷೇತ್ರಗಳಿವೆ.",
		"err_type":             "ದಯವಿಟ್ಟು ಈ ಪುಟದಲ್ಲಿರುವ ಫಾರ್ಮ್ ಮೂಲಕ ದೂರು ಕಳುಹಿಸಿ.",
		"err_concern_required": "ದಯವಿಟ್ಟು ನಿಮ್ಮ ಸಮಸ್ಯೆಯನ್ನು ವಿವರಿಸಿ (ಕನಿಷ್ಠ 10 ಅಕ್ಷರಗಳು).",
		"err_concern_long":     "ನಿಮ್ಮ ವಿವರಣೆ ತುಂಬಾ ಉದ್ದವಾಗಿದೆ (ಗರಿಷ್ಠ 3,000 ಅಕ್ಷರಗಳು).",
		"err_name_long":        "ನಿಮ್ಮ ಹೆಸರು ತುಂಬಾ ಉದ್ದವಾಗಿದೆ.",
		"err_place_long":       "ಸ್ಥಳದ ಹೆಸರು ತುಂಬಾ ಉದ್ದವಾಗಿದೆ.",
		"err_phone":            "ದಯವಿಟ್ಟು ಸರಿಯಾದ ದೂರವಾಣಿ ಸಂಖ್ಯೆಯನ್ನು ನಮೂದಿಸಿ (ಅಂಕಿಗಳು, ಬೇಕಿದ್ದರೆ + ನಿಂದ ಆರಂಭ).",
		"err_email":            "ದಯವಿಟ್ಟು ಸರಿಯಾದ ಇ-ಮೇಲ್ ವಿಳಾಸವನ್ನು ನಮೂದಿಸಿ.",
		"err_latlon":           "ಸ್ಥಳಕ್ಕೆ ಅಕ್ಷಾಂಶ (-90 ರಿಂದ 90) ಮತ್ತು ರೇಖಾಂಶ (-180 ರಿಂದ 180) ಎರಡೂ ಬೇಕು.",

		"st_new":             "ಸ್ವೀಕರಿಸಲಾಗಿದೆ",
		"st_open":            "ಕ್ರಮ ಜರುಗುತ್ತಿದೆ",
		"st_waiting_station": "ಪೊಲೀಸ್ ಠಾಣೆಯಲ್ಲಿದೆ",
		"st_waiting_citizen": "ನಿಮ್ಮ ಉತ್ತರಕ್ಕಾಗಿ ಕಾಯಲಾಗುತ್ತಿದೆ",
		"st_resolved":        "ಪರಿಹರಿಸಲಾಗಿದೆ",
		"st_closed":          "ಮುಕ್ತಾಯಗೊಂಡಿದೆ",
		"st_other":           "ಪ್ರಗತಿಯಲ್ಲಿದೆ",

		"step_received": "ಸ್ವೀಕರಿಸಲಾಗಿದೆ",
		"step_status":   "ಸ್ಥಿತಿ: {status}",
		"step_unit":     "ಇಲ್ಲಿಗೆ ಕಳುಹಿಸಲಾಗಿದೆ: {unit}",
		"step_replied":  "ಪೊಲೀಸರು ಉತ್ತರಿಸಿದ್ದಾರೆ",
		"step_action":   "ಠಾಣೆಯ ಕ್ರಮ: {action}",
		"step_other":    "ಬದಲಾವಣೆಯಾಗಿದೆ",
	},
}

// pickLang chooses the UI language: an explicit ?lang= or form field wins,
// then the browser's Accept-Language, then English.
func pickLang(explicit, accept string) string {
	switch explicit {
	case "en", "kn":
		return explicit
	}
	for _, part := range strings.Split(accept, ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		switch {
		case tag == "kn" || strings.HasPrefix(tag, "kn-"):
			return "kn"
		case tag == "en" || strings.HasPrefix(tag, "en-"):
			return "en"
		}
	}
	return "en"
}

func translate(lang, key string) string {
	if s, ok := messages[lang][key]; ok {
		return s
	}
	if s, ok := messages["en"][key]; ok {
		return s
	}
	return key
}
