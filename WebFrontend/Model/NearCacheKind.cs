namespace WebFrontend.Model;

/// <summary>The near cache a replica keeps in front of its Redis: the admin API's <c>nearCache</c>.</summary>
public enum NearCacheKind
{
    /// <summary>Every read goes to Redis.</summary>
    None,

    /// <summary>Local copies confirmed by the server on every read (the version stamp <c>v&lt;n&gt;|</c>): never stale.</summary>
    Coherent,

    /// <summary>Local copies invalidated by the server (CLIENT TRACKING): reads make no round trip, may be briefly stale.</summary>
    Tracking,
}
