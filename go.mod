module github.com/proxykit/proxykit

go 1.26

require (
	github.com/pmezard/go-difflib v1.0.0
	github.com/stretchr/testify v1.12.1
)

require go.yaml.in/yaml/v3 v3.0.6
