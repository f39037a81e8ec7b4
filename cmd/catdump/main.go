package main

import (
	"fmt"
	"os"

	"github.com/kaval-desk/kaval/internal/analyze"
	"github.com/kaval-desk/kaval/internal/analyze/train"
)

func main() {
	pool, _ := train.DeskPool("/work/shared/data")
	posts, _ := train.JoinDesk(pool, train.DeskLabels())
	e, _ := analyze.Default()
	conf := map[string]int{}
	for _, p := range posts {
		if train.DeskDev(p.Key) {
			continue
		}
		a := e.Analyze(analyze.Input{Text: p.Text})
		c := "none"
		if len(a.Categories) > 0 {
			c = a.Categories[0].Name
		}
		conf[p.Category+" -> "+c]++
		if len(os.Args) > 1 && p.Category == os.Args[1] && c != p.Category {
			t := p.Text
			if len(t) > 150 {
				t = t[:150]
			}
			fmt.Printf("%s | %s\n", c, t)
		}
	}
	if len(os.Args) == 1 {
		for k, v := range conf {
			if v >= 5 {
				fmt.Println(v, k)
			}
		}
	}
}
