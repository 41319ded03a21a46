package warm
import (
	_ "github.com/eclipse/paho.mqtt.golang"
	_ "github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/golang-jwt/jwt/v5"
	_ "github.com/skip2/go-qrcode"
	_ "github.com/stripe/stripe-go/v76/client"
	_ "github.com/stripe/stripe-go/v76/webhook"
	_ "modernc.org/sqlite"
	_ "github.com/mochi-mqtt/server/v2"
	_ "github.com/mochi-mqtt/server/v2/listeners"
	_ "github.com/mochi-mqtt/server/v2/hooks/auth"
	_ "golang.org/x/crypto/argon2"
	_ "github.com/prometheus/client_golang/prometheus/promhttp"
	_ "github.com/chromedp/chromedp"
	_ "github.com/santhosh-tekuri/jsonschema/v6"
	"testing"
)
func TestX(t *testing.T){}
