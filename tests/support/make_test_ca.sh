#!/bin/sh
# make_test_ca.sh <outdir>: test certificates for TLS tests, generated at test time (never
# committed). Writes ca.pem (test CA), server.pem + server.key (for 127.0.0.1 and localhost,
# signed by the CA), untrusted.pem + untrusted.key (self-signed, same names, not trusted) and
# otherhost.pem + otherhost.key (signed by the CA, but only for other.example).
set -eu
out=${1:?usage: make_test_ca.sh <outdir>}
mkdir -p "$out"
cd "$out"
days=30

openssl req -x509 -newkey rsa:2048 -nodes -days "$days" -sha256 \
  -keyout ca.key -out ca.pem -subj "/CN=FreeRouter Test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  2>/dev/null

openssl req -newkey rsa:2048 -nodes -sha256 -keyout server.key -out server.csr \
  -subj "/CN=localhost" 2>/dev/null
cat > server.ext <<'EXT'
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost
EXT
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days "$days" \
  -sha256 -extfile server.ext -out server.pem 2>/dev/null

openssl req -x509 -newkey rsa:2048 -nodes -days "$days" -sha256 \
  -keyout untrusted.key -out untrusted.pem -subj "/CN=localhost" \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" 2>/dev/null

openssl req -newkey rsa:2048 -nodes -sha256 -keyout otherhost.key -out otherhost.csr \
  -subj "/CN=other.example" 2>/dev/null
cat > otherhost.ext <<'EXT'
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:other.example
EXT
openssl x509 -req -in otherhost.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days "$days" \
  -sha256 -extfile otherhost.ext -out otherhost.pem 2>/dev/null

rm -f server.csr server.ext otherhost.csr otherhost.ext ca.srl
chmod 600 ca.key server.key untrusted.key otherhost.key
