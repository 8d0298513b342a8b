namespace WebFrontend.Model;

/// <summary>The body of <c>PUT /api/products/{id}/price</c>: <c>{ "price": 12.34 }</c>.</summary>
public sealed record UpdatePriceRequest(decimal? Price);
