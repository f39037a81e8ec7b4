package query

import (
	"slices"
	"strconv"
	"strings"

	"github.com/kaval-desk/kaval/internal/store"
)

// cond is a query node as SQL over posts p. The SQL selects a superset of
// what the matcher accepts; exact says it selects exactly that, so NOT may
// be taken into SQL only then. Words go to the store's full-text index
// (fts: an FTS5 expression on SQLite, a tsquery on PostgreSQL) and are
// merged into one index lookup while a subtree holds only words.
type cond struct {
	all   bool   // no restriction (TRUE)
	fts   string // words only: a full-text expression, not yet SQL
	sql   string // with ? placeholders
	args  []any
	exact bool
}

// sqlBuilder turns a query into a WHERE condition for one dialect.
type sqlBuilder struct{ dialect store.Dialect }

func (b sqlBuilder) node(n Node) cond {
	switch n := n.(type) {
	case *And:
		return b.list(n.Terms, true)
	case *Or:
		return b.list(n.Terms, false)
	case *Not:
		c := b.node(n.X)
		if !c.exact || c.all {
			// The index cannot say which posts lack a word exactly (a
			// variant, a link): the matcher decides.
			return cond{all: true}
		}
		return cond{sql: "NOT (" + c.sql + ")", args: c.args, exact: true}
	case *Word:
		return cond{fts: b.ftsAny(spellingsOf(n))}
	case *Phrase:
		// Adjacency is the matcher's: the index is asked for every word.
		parts := make([]string, len(n.Words))
		for i := range n.Words {
			parts[i] = b.ftsAny(spellingsOf(&n.Words[i]))
		}
		return cond{fts: b.join(parts, true), all: len(parts) == 0}
	case *Near:
		l, r := b.node(n.Left), b.node(n.Right)
		if f := b.join([]string{l.fts, r.fts}, true); f != "" {
			return cond{fts: f}
		}
		return cond{all: true}
	case *Hashtag:
		return b.tagWords(n.Tag)
	case *Mention:
		return b.tagWords(n.Handle)
	case *Field:
		return b.field(n)
	case *Urgency:
		return cond{sql: "p.urgency " + n.Op + " ?", args: []any{n.N}, exact: true}
	case *Place:
		// Places live in the analysis JSON: only the matcher can measure
		// the distance; posts without an analysis have no places.
		return cond{sql: "p.analysis IS NOT NULL"}
	}
	return cond{all: true}
}

// tagWords asks the index for each word of a hashtag or handle body.
func (b sqlBuilder) tagWords(body string) cond {
	ws := splitWords(body)
	if len(ws) == 0 {
		return cond{all: true}
	}
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = b.ftsTerm(w)
	}
	return cond{fts: b.join(parts, true)}
}

func spellingsOf(w *Word) []string {
	if w.Wildcard || indic(w.Text) {
		return []string{w.Text}
	}
	return spellings(key(w.Text))
}

// ftsTerm is one word as a prefix: exact words, variants and romanised
// case endings are all prefixes of the indexed word, and the matcher
// keeps only the true matches. Words hold letters, digits and marks only
// (isWordRune), so quoting cannot be broken out of.
func (b sqlBuilder) ftsTerm(w string) string {
	if b.dialect == store.Postgres {
		return "'" + strings.ReplaceAll(w, "'", "''") + "':*"
	}
	return `"` + strings.ReplaceAll(w, `"`, `""`) + `"*`
}

func (b sqlBuilder) ftsAny(ws []string) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = b.ftsTerm(w)
	}
	return b.join(parts, false)
}

func (b sqlBuilder) join(parts []string, and bool) string {
	parts = slices.DeleteFunc(slices.Clone(parts), func(p string) bool { return p == "" })
	if len(parts) == 0 {
		return ""
	}
	if len(parts) == 1 {
		return parts[0]
	}
	op := " OR "
	switch {
	case and && b.dialect == store.Postgres:
		op = " & "
	case and:
		op = " AND "
	case b.dialect == store.Postgres:
		op = " | "
	}
	return "(" + strings.Join(parts, op) + ")"
}

// list combines the conditions of an AND (and) or an OR.
func (b sqlBuilder) list(terms []Node, and bool) cond {
	var fts []string
	var sqls []string
	var args []any
	exact := true
	for _, t := range terms {
		c := b.node(t)
		switch {
		case c.all:
			if !and {
				return cond{all: true, exact: false}
			}
			exact = false
			continue
		case c.fts != "":
			fts = append(fts, c.fts)
			exact = false
			continue
		}
		sqls = append(sqls, c.sql)
		args = append(args, c.args...)
		exact = exact && c.exact
	}
	if len(fts) > 0 {
		f := b.join(fts, and)
		if len(sqls) == 0 {
			return cond{fts: f}
		}
		c := b.ftsSQL(f)
		sqls = append(sqls, c.sql)
		args = append(args, c.args...)
	}
	if len(sqls) == 0 {
		return cond{all: true}
	}
	op := " OR "
	if and {
		op = " AND "
	}
	if len(sqls) == 1 {
		return cond{sql: sqls[0], args: args, exact: exact}
	}
	return cond{sql: "(" + strings.Join(sqls, op) + ")", args: args, exact: exact}
}

// ftsSQL turns a full-text expression into a condition on the store's index.
func (b sqlBuilder) ftsSQL(f string) cond {
	if b.dialect == store.Postgres {
		return cond{sql: "p.search @@ to_tsquery('simple', ?)", args: []any{f}}
	}
	return cond{sql: "p.id IN (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?)", args: []any{f}}
}

func (b sqlBuilder) field(f *Field) cond {
	switch f.Name {
	case "lang":
		if strings.Contains(f.Value, "-") {
			return cond{sql: "p.lang = ?", args: []any{f.Value}, exact: true}
		}
		return cond{sql: "(p.lang = ? OR p.lang LIKE ?)", args: []any{f.Value, f.Value + "-%"}, exact: true}
	case "platform", "category", "sentiment":
		return cond{sql: "p." + f.Name + " = ?", args: []any{f.Value}, exact: true}
	case "station":
		return cond{sql: "(p.station = ? OR p.traffic_station = ?)", args: []any{f.Value, f.Value}, exact: true}
	case "emergency":
		return cond{sql: "p.emergency = ?", args: []any{store.Bool(f.Value == "true")}, exact: true}
	case "author":
		// lower() folds ASCII alike in both stores; a handle with other
		// letters is left to the matcher.
		for i := 0; i < len(f.Value); i++ {
			if f.Value[i] >= 0x80 {
				return cond{all: true}
			}
		}
		return cond{sql: "lower(p.author_handle) IN (?, ?)", args: []any{f.Value, "@" + f.Value}}
	}
	return cond{all: true}
}

// where returns the query as a condition with $N placeholders numbered
// from first, and its arguments; "" when SQL cannot narrow it.
func (b sqlBuilder) where(q *Query, first int) (string, []any) {
	c := b.node(q.Root)
	if c.fts != "" {
		c = b.ftsSQL(c.fts)
	}
	if c.all {
		return "", nil
	}
	return numberArgs(c.sql, first), c.args
}

// numberArgs replaces each ? with $first, $first+1, …. The SQL is ours
// (no ? inside literals: values are always parameters).
func numberArgs(s string, first int) string {
	var out strings.Builder
	n := first
	for i := 0; i < len(s); i++ {
		if s[i] == '?' {
			out.WriteString("$" + strconv.Itoa(n))
			n++
			continue
		}
		out.WriteByte(s[i])
	}
	return out.String()
}
