#!/bin/sh
# Makes the demo's throwaway CA and certificates in DIR (compose.demo.yaml runs
# it once, as root, in the build stage of docker/Dockerfile). The file names are
# the ones bridge.yaml expects for AWS IoT Core, so the same bridge.yaml serves
# both:
#   AmazonRootCA1.pem   the CA (a copy of ca.pem)
#   device.pem.crt      edgebridge's certificate, private.pem.key its key (uid 10001, 0600)
#   server.crt/.key     the "cloud" broker's, for host names cloud and localhost (uid 1883)
#   observer.crt/.key   a client that watches the cloud (uid 1883)
# Does nothing if DIR already holds them.
set -eu
dir=${1:?usage: make-certs.sh DIR}
cd "$dir"
[ -f device.pem.crt ] && { echo "make-certs: $dir already has certificates"; exit 0; }

ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
openssl req -x509 $ec -keyout ca.key -out ca.pem -days 30 -subj "/CN=edgebridge demo CA" 2>/dev/null
sign() {  # name CN extensions
  openssl req $ec -keyout "$1.key" -out "$1.csr" -subj "/CN=$2" 2>/dev/null
  printf '%s\n' "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -set_serial "0x$(openssl rand -hex 8)" \
    -out "$1.crt" -days 30 -extfile "$1.ext" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}
sign server localhost "subjectAltName=DNS:cloud,DNS:localhost,IP:127.0.0.1
extendedKeyUsage=serverAuth"
sign device greenhouse-1 "extendedKeyUsage=clientAuth"
sign observer observer "extendedKeyUsage=clientAuth"
mv device.crt device.pem.crt
mv device.key private.pem.key
cp ca.pem AmazonRootCA1.pem
rm -f ca.key

chmod 644 ca.pem AmazonRootCA1.pem device.pem.crt server.crt observer.crt
chown 10001:10001 private.pem.key
chown 1883:1883 server.key observer.key
chmod 600 private.pem.key server.key observer.key
echo "make-certs: demo CA and certificates written to $dir (valid 30 days)"
