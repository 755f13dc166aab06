// Command gcplocal serves the local Google Cloud endpoint on 127.0.0.1.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/gcplocal"
)

func main() {
	addr := flag.String("listen", "127.0.0.1:0", "address to listen on")
	dir := flag.String("discovery", "", "root of google.golang.org/api (default: found with `go list -m` from the working directory)")
	reserve := flag.Bool("sql-reserve-deleted-names", false, "refuse (409) a Cloud SQL instance name deleted before, as Cloud SQL does for a week")
	flag.Parse()
	root := *dir
	if root == "" {
		var err error
		if root, err = gcplocal.ModuleDir("."); err != nil {
			log.Fatal(err)
		}
	}
	c, err := gcplocal.LoadContract(root)
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stdout, "listening on http://%s\n", ln.Addr())
	srv := gcplocal.New(c)
	srv.ReserveDeletedSQLNames = *reserve
	log.Fatal(http.Serve(ln, srv))
}
