package generator_test

import (
	"fmt"

	"github.com/ordertrack/ordertrack/pipeline/generator"
)

// Two sample orders at 20 events/s: orders start 200ms apart and each runs
// through its four stages one second apart, interleaved.
func ExampleGenerator() {
	g, err := generator.New(generator.Config{Scenario: generator.Sample, Orders: 2, Rate: 20})
	if err != nil {
		panic(err)
	}
	for {
		e, ok := g.Next()
		if !ok {
			break
		}
		fmt.Println(e.At.Sub(generator.DefaultStart), e.Event.OrderID, e.Event.Type)
	}
	// Output:
	// 0s ORD-000001 ORDER_PLACED
	// 200ms ORD-000002 ORDER_PLACED
	// 1s ORD-000001 PROCESSING_STARTED
	// 1.2s ORD-000002 PROCESSING_STARTED
	// 2s ORD-000001 ITEM_SHIPPED
	// 2.2s ORD-000002 ITEM_SHIPPED
	// 3s ORD-000001 ITEM_DELIVERED
	// 3.2s ORD-000002 ITEM_DELIVERED
}
