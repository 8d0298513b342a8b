// The tests start real servers on two cores: one class at a time keeps them readable, and the tests that count
// commands on the server (INFO commandstats) need no other client at work meanwhile.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
