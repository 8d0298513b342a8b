// The tests start real servers on two cores: one class at a time keeps timings sane and failures readable.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
