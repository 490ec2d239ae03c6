package generator

import (
	"math/rand/v2"
	"strconv"
)

// item is one product of the demo catalogue.
type item struct {
	name     string
	category string
	price    float64
}

// catalogue is the clothing store the generated orders buy from.
var catalogue = []item{
	{"Blue Jeans", "Pants", 79.99},
	{"Black Chinos", "Pants", 59.99},
	{"Cargo Shorts", "Pants", 34.50},
	{"White T-Shirt", "Shirts", 19.99},
	{"Oxford Button-Down", "Shirts", 49.00},
	{"Flannel Shirt", "Shirts", 39.95},
	{"Merino Crew Sweater", "Knitwear", 89.00},
	{"Cable-Knit Cardigan", "Knitwear", 74.99},
	{"Denim Jacket", "Outerwear", 99.99},
	{"Rain Parka", "Outerwear", 149.00},
	{"Puffer Vest", "Outerwear", 69.99},
	{"Running Sneakers", "Shoes", 119.99},
	{"Leather Boots", "Shoes", 189.00},
	{"Canvas Slip-Ons", "Shoes", 44.99},
	{"Floral Summer Dress", "Dresses", 64.99},
	{"Little Black Dress", "Dresses", 95.00},
	{"Wool Beanie", "Accessories", 18.99},
	{"Leather Belt", "Accessories", 29.99},
	{"Silk Scarf", "Accessories", 39.00},
	{"Athletic Socks 3-Pack", "Accessories", 12.99},
}

// tenants are the demo shops sharing one pipeline.
var tenants = []string{"acme", "globex", "initech"}

// expressShare is the share of orders placed with service_level express.
const expressShare = 0.3

// randomService draws an order's service level.
func randomService(r *rand.Rand) string {
	if r.Float64() < expressShare {
		return "express"
	}
	return "standard"
}

// customer is who placed an order, and for which tenant.
type customer struct {
	id     string
	tenant string
}

// randomCustomer draws a customer CUST-1000..CUST-9999 and a tenant.
func randomCustomer(r *rand.Rand) customer {
	return customer{
		id:     "CUST-" + strconv.Itoa(1000+r.IntN(9000)),
		tenant: tenants[r.IntN(len(tenants))],
	}
}

// randomItem draws a catalogue item and a quantity of 1 to 3.
func randomItem(r *rand.Rand) (item, int) {
	return catalogue[r.IntN(len(catalogue))], 1 + r.IntN(3)
}
