module github.com/proxykit/proxykit

go 1.26
