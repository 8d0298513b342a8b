namespace LoadGen.Metrics;

/// <summary>What a read must at least return: the highest version of the product acknowledged before the read started.</summary>
/// <param name="ProductId">The product read.</param>
/// <param name="MinimumVersion">The highest acknowledged version, <see cref="long.MinValue"/> when none.</param>
/// <param name="AckTimestamp">When that version was acknowledged (a <see cref="TimeProvider"/> timestamp).</param>
public readonly record struct ReadExpectation(int ProductId, long MinimumVersion, long AckTimestamp)
{
    /// <summary>True when a write of the product was acknowledged before the read started.</summary>
    public bool HasAcknowledgedWrite => MinimumVersion != long.MinValue;
}
