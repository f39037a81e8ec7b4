package ui

// defaultShiftNames are the names the shift pattern is created with
// (migration 00870) and their catalogue keys: a desk that keeps them shows
// them in the reader's language. A name an admin wrote shows as written.
var defaultShiftNames = map[string]string{
	"Morning":   "shift.slot.morning",
	"Afternoon": "shift.slot.afternoon",
	"Night":     "shift.slot.night",
}

// shiftName is a shift's name as the reader sees it.
func shiftName(t Translator, name string) string {
	if key, ok := defaultShiftNames[name]; ok {
		return t.T(key)
	}
	return name
}

func init() {
	AddFunc("shiftname", func(t Translator) any { return func(name string) string { return shiftName(t, name) } })
}
