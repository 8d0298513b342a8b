using CatalogApi.Model;
using Microsoft.EntityFrameworkCore;

namespace CatalogApi.Infrastructure;

/// <summary>The catalog database; the schema itself is applied by <see cref="CatalogSchema"/>.</summary>
public sealed class CatalogContext(DbContextOptions<CatalogContext> options) : DbContext(options)
{
    /// <summary>The products.</summary>
    public DbSet<CatalogItem> CatalogItems => Set<CatalogItem>();

    /// <inheritdoc />
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        var item = modelBuilder.Entity<CatalogItem>();
        item.ToTable("products");
        item.HasKey(e => e.Id);
        item.Property(e => e.Id).HasColumnName("id").UseIdentityByDefaultColumn();
        item.Property(e => e.Name).HasColumnName("name");
        item.Property(e => e.Description).HasColumnName("description");
        item.Property(e => e.Brand).HasColumnName("brand");
        item.Property(e => e.Type).HasColumnName("type");
        item.Property(e => e.Price).HasColumnName("price").HasPrecision(10, 2);
        item.Property(e => e.Stock).HasColumnName("stock");
        // The version is the optimistic concurrency token: an UPDATE only applies when the row still has the
        // version that was read.
        item.Property(e => e.Version).HasColumnName("version").IsConcurrencyToken();
        item.Property(e => e.UpdatedAt).HasColumnName("updated_at");
    }
}
