package main

import (
	"context"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/kaval-desk/kaval/internal/app"
	"github.com/kaval-desk/kaval/internal/bus"
	"github.com/kaval-desk/kaval/internal/geo"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/unit"
)

func init() {
	register(command{name: "units", summary: "list units, or import a force's stations from GeoJSON", run: runUnits})
}

func loadAnalyzer() (post.Analyzer, error) { return app.LoadAnalyzer() }

func seedUnits(ctx context.Context, db *store.DB) error { return app.SeedUnits(ctx, db) }

func newBus() bus.Bus { return bus.NewInProc(0) }

func runUnits(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(env.stderr, "Usage: kaval units list [--kind K] | kaval units import [options] FILE.geojson | kaval units seed")
		return errUsage
	}
	sub, args := args[0], args[1:]
	fs := newFlags(env, "units "+sub, "")
	dsn := dbFlag(fs, env)
	var opt geo.ImportOptions
	kind := fs.String("kind", "", "list: only this kind")
	if sub == "import" {
		fs.StringVar(&opt.NameProp, "name-prop", "name", "feature property with the unit's name")
		fs.StringVar(&opt.NameKnProp, "name-kn-prop", "", "feature property with the regional-language name")
		fs.StringVar(&opt.KindProp, "kind-prop", "", "feature property with the unit kind")
		fs.StringVar(&opt.DefaultKind, "default-kind", "station", "kind when no kind property")
		fs.StringVar(&opt.CodeProp, "code-prop", "", "feature property with a stable code")
		fs.StringVar(&opt.CodePrefix, "code-prefix", "", "code prefix when there is no code property, e.g. hyd/ps/")
		fs.StringVar(&opt.ParentProp, "parent-prop", "", "feature property with the parent's code")
		fs.StringVar(&opt.DefaultParent, "parent", "", "parent code for every unit (e.g. an existing force)")
		fs.StringVar(&opt.PhoneProp, "phone-prop", "", "feature property with the phone number")
		fs.StringVar(&opt.EmailProp, "email-prop", "", "feature property with the e-mail")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	us := unit.NewStore(db)
	switch sub {
	case "list":
		list, err := us.List(ctx, *kind)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(env.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tCODE\tKIND\tNAME\tPARENT\tPHONE")
		for _, u := range list {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Code, u.Kind, u.Name, u.ParentCode, u.Phone)
		}
		return tw.Flush()
	case "seed":
		if err := seedUnits(ctx, db); err != nil {
			return err
		}
		n, _ := us.Count(ctx)
		fmt.Fprintf(env.stdout, "%d units\n", n)
		return nil
	case "import":
		if fs.NArg() != 1 {
			fs.Usage()
			return errUsage
		}
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			return err
		}
		defer f.Close()
		parsed, err := geo.ParseGeoJSON(f, opt)
		if err != nil {
			return err
		}
		n, err := us.Upsert(ctx, app.FromGeo(parsed))
		if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "imported %d units\n", n)
		return nil
	}
	return fmt.Errorf("unknown units command %q", sub)
}
