using System.Net.Http.Headers;
using System.Text;
using LoadGen.Metrics;
using LoadGen.Running;

namespace LoadGen.UnitTests;

public class ProductResponseTests
{
    [Theory]
    [InlineData("""{"id":1,"name":"Mug","price":12.34,"stock":3,"version":17}""", 17)]
    [InlineData("""{"id":1,"tags":{"version":99},"version":4,"extra":[1,2]}""", 4)]
    [InlineData("""{"Version":8}""", 8)]
    public void TheVersionIsReadFromTheTopLevelOfTheBody(string json, long version)
    {
        Assert.True(ProductResponse.TryReadVersion(Encoding.UTF8.GetBytes(json), out var read));
        Assert.Equal(version, read);
    }

    [Theory]
    [InlineData("""{"id":1}""")]
    [InlineData("""{"version":"seven"}""")]
    [InlineData("not json")]
    [InlineData("")]
    public void ABodyWithoutANumericVersionIsNotRead(string json)
    {
        Assert.False(ProductResponse.TryReadVersion(Encoding.UTF8.GetBytes(json), out _));
    }

    [Theory]
    [InlineData("\"42\"", false, 42)]
    [InlineData("\"42\"", true, 42)]
    public void TheETagGivesTheVersionWhenTheBodyHasNone(string tag, bool weak, long version)
    {
        using var response = new HttpResponseMessage();
        response.Headers.ETag = new EntityTagHeaderValue(tag, weak);

        Assert.True(ProductResponse.TryReadVersion(response.Headers, out var read));
        Assert.Equal(version, read);
    }

    [Theory]
    [InlineData("hit", CacheOutcome.Hit)]
    [InlineData("MISS", CacheOutcome.Miss)]
    [InlineData("bypass", CacheOutcome.Bypass)]
    [InlineData("stale", CacheOutcome.Unknown)]
    public void TheCacheHeaderIsClassified(string value, CacheOutcome outcome)
    {
        using var response = new HttpResponseMessage();
        response.Headers.TryAddWithoutValidation("X-Cache", value);

        Assert.Equal(outcome, ProductResponse.CacheOutcomeOf(response.Headers));
    }
}
