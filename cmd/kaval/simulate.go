package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kaval-desk/kaval/internal/simulate"
	"github.com/kaval-desk/kaval/internal/simulate/scenario"
)

func init() {
	register(command{name: "simulate", summary: "drive realistic citizen traffic at a running desk in each platform's wire format", run: runSimulate})
}

const simulateUsage = `--target URL --rate N (--duration D | --count N) [--channels FILE] [--token T] [--seed S] [--json]

Sends signed webhook deliveries (X Account Activity, Facebook/Messenger/Instagram,
WhatsApp Cloud, Telegram) to URL/hooks/{channel id}. The channels file maps
platform to channel, e.g.
  {"x": {"channel_id": "3", "secret": "consumer secret", "account_id": "99887766"},
   "facebook": {"channel_id": "4", "secret": "app secret"}, "messenger": {"channel_id": "4"},
   "whatsapp": {"channel_id": "5", "phone_number_id": "106540352242922"},
   "telegram": {"channel_id": "6", "secret": "secret_token"}}
Channels without a secret use --token. Without --channels, --channel-ids gives
ids in the order x,facebook,messenger,instagram,whatsapp,telegram (0 skips one).`

func runSimulate(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "simulate", simulateUsage)
	target := fs.String("target", env.getenv("KAVAL_SIMULATE_TARGET"), "the desk's base URL")
	rateN := fs.Float64("rate", 50, "events per second overall")
	duration := fs.Duration("duration", 0, "how long to run (e.g. 30s, 5m)")
	count := fs.Int("count", 0, "how many events to send")
	token := fs.String("token", env.getenv("KAVAL_SIMULATE_TOKEN"), "default webhook secret for channels without their own")
	seed := fs.Uint64("seed", 1, "scenario seed: the same seed gives the same traffic")
	channels := fs.String("channels", "", "JSON file mapping platform → channel id and secrets")
	ids := fs.String("channel-ids", "", "comma-separated channel ids for x,facebook,messenger,instagram,whatsapp,telegram")
	workers := fs.Int("workers", 8, "concurrent HTTP deliveries")
	mix := fs.String("mix", "", "platform weights, e.g. x=30,whatsapp=20 (default: a realistic mix)")
	burst := fs.String("burst", "", "a burst of one theme in one area, THEME[@PLACE], e.g. flood@Koramangala")
	force := fs.String("force-handle", "BlrCityPolice", "the force's handle citizens tag")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 || *target == "" {
		fs.Usage()
		return errUsage
	}
	cfg := simulate.Config{Target: *target, Rate: *rateN, Duration: *duration, Count: *count, Seed: *seed,
		Token: *token, Workers: *workers, ForceHandle: strings.TrimPrefix(*force, "@")}
	switch {
	case *channels != "":
		f, err := os.Open(*channels)
		if err != nil {
			return fmt.Errorf("unable to open channels file: %w", err)
		}
		cfg.Channels, err = simulate.LoadChannels(f)
		f.Close()
		if err != nil {
			return err
		}
	case *ids != "":
		order := []string{"x", "facebook", "messenger", "instagram", "whatsapp", "telegram"}
		cfg.Channels = map[string]simulate.Channel{}
		for i, id := range strings.Split(*ids, ",") {
			id = strings.TrimSpace(id)
			if i >= len(order) {
				return errors.New("--channel-ids: at most 6 ids")
			}
			if id != "" && id != "0" {
				cfg.Channels[order[i]] = simulate.Channel{ChannelID: id}
			}
		}
	default:
		return errors.New("give --channels FILE or --channel-ids")
	}
	if *mix != "" {
		cfg.Mix = map[string]float64{}
		for _, kv := range strings.Split(*mix, ",") {
			k, v, ok := strings.Cut(kv, "=")
			w, err := strconv.ParseFloat(v, 64)
			if !ok || err != nil || w < 0 {
				return fmt.Errorf("--mix: bad weight %q", kv)
			}
			cfg.Mix[strings.TrimSpace(k)] = w
		}
	}
	if *burst != "" {
		theme, place, _ := strings.Cut(*burst, "@")
		known := false
		for _, t := range scenario.Themes {
			known = known || t == theme
		}
		if !known {
			return fmt.Errorf("--burst: unknown theme %q (one of %s)", theme, strings.Join(scenario.Themes, ", "))
		}
		// The burst covers the middle third of the run.
		span := *duration
		if span == 0 {
			span = time.Duration(float64(*count) / *rateN * float64(time.Second))
		}
		cfg.Bursts = []scenario.Burst{{Theme: theme, Place: place, Start: span / 3, Duration: span / 3, Share: 0.6}}
	}

	// A counter on stderr while it runs.
	var sent atomic.Int64
	cfg.OnEvent = func(scenario.Event) { sent.Add(1) }
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(5 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				fmt.Fprintf(env.stderr, "simulate: %d events sent\n", sent.Load())
			}
		}
	}()
	rep, err := simulate.Run(ctx, cfg)
	close(done)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(env.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Fprint(env.stdout, rep.String())
	return nil
}
