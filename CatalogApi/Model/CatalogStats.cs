namespace CatalogApi.Model;

/// <summary>
/// Counts of calls served since the process started; LoadGen turns <see cref="ItemReads"/> into "DB calls/s",
/// the load the cache is meant to take off the database.
/// </summary>
public sealed class CatalogStats
{
    private long _itemReads;
    private long _listReads;
    private long _writes;

    /// <summary>GET-by-id calls served.</summary>
    public long ItemReads => Interlocked.Read(ref _itemReads);

    /// <summary>List calls served.</summary>
    public long ListReads => Interlocked.Read(ref _listReads);

    /// <summary>Creates, updates and deletes that changed a row.</summary>
    public long Writes => Interlocked.Read(ref _writes);

    internal void ItemRead() => Interlocked.Increment(ref _itemReads);

    internal void ListRead() => Interlocked.Increment(ref _listReads);

    internal void Write() => Interlocked.Increment(ref _writes);
}
