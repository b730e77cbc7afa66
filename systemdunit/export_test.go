package systemdunit

// StoredWord exposes storedWord to the black-box tests.
var StoredWord = storedWord

// Literal exposes literal to the black-box tests.
var Literal = literal
