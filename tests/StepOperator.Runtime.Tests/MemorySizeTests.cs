using StepOperator.Rules;

namespace StepOperator.Runtime.Tests;

public class MemorySizeTests
{
    [Theory]
    // The seed's own examples.
    [InlineData("32GB", 32_000)]
    [InlineData("32768MB", 32_768)]
    [InlineData("32GiB", 34_360)]
    // Every unit, KB..PiB.
    [InlineData("5000KB", 5)]
    [InlineData("1000KiB", 2)]
    [InlineData("7MB", 7)]
    [InlineData("7MiB", 8)]
    [InlineData("3GB", 3_000)]
    [InlineData("3GiB", 3_222)]
    [InlineData("2TB", 2_000_000)]
    [InlineData("2TiB", 2_199_024)]
    [InlineData("1PB", 1_000_000_000)]
    [InlineData("1PiB", 1_125_899_907)]
    public void Converts_to_decimal_megabytes_rounding_up(string text, long expected)
    {
        Assert.True(MemorySize.TryToMegabytes(text, out var megabytes, out var error), error);
        Assert.Equal(expected, megabytes);
    }

    [Theory]
    [InlineData("1KB", 1)]        // 0.001 MB
    [InlineData("1500KB", 2)]     // 1.5 MB
    [InlineData("1000KB", 1)]     // exactly 1 MB: no rounding
    [InlineData("1001KB", 2)]     // 1.001 MB
    [InlineData("1MiB", 2)]       // 1.048576 MB
    public void A_fraction_of_a_megabyte_rounds_up(string text, long expected)
    {
        Assert.True(MemorySize.TryToMegabytes(text, out var megabytes, out _));
        Assert.Equal(expected, megabytes);
    }

    [Theory]
    [InlineData("32 gb")]
    [InlineData("32gb")]
    [InlineData("32 GB")]
    [InlineData("32Gb")]
    [InlineData("32G")]
    [InlineData("32")]
    [InlineData("GB")]
    [InlineData("")]
    [InlineData(" 32GB")]
    [InlineData("32GB ")]
    [InlineData("1.5GB")]
    [InlineData("-1GB")]
    [InlineData("+1GB")]
    [InlineData("32gib")]
    [InlineData("32GIB")]
    [InlineData("32EB")]
    [InlineData("３２GB")]
    public void Breaks_the_grammar(string text)
    {
        Assert.False(MemorySize.IsWellFormed(text));
        Assert.False(MemorySize.TryToMegabytes(text, out _, out var error));
        Assert.Contains($"\"{text}\"", error);
    }

    [Fact]
    public void A_size_beyond_modals_field_is_refused_with_the_reason()
    {
        Assert.True(MemorySize.IsWellFormed("5000PB"));
        Assert.False(MemorySize.TryToMegabytes("5000PB", out _, out var error));
        Assert.Contains("more than", error);
        Assert.True(MemorySize.TryToMegabytes("4294967295MB", out var max, out _));
        Assert.Equal(uint.MaxValue, max);
        Assert.False(MemorySize.TryToMegabytes("4294967296MB", out _, out _));
    }

    [Theory]
    [InlineData("0MB")]
    [InlineData("0GiB")]
    public void Zero_is_refused(string text)
    {
        Assert.True(MemorySize.IsWellFormed(text));
        Assert.False(MemorySize.TryToMegabytes(text, out _, out var error));
        Assert.Contains("is zero", error);
    }

    [Fact]
    public void Null_is_malformed_not_an_exception()
    {
        Assert.False(MemorySize.TryToMegabytes(null, out _, out var error));
        Assert.NotNull(error);
    }

    [Theory]
    [InlineData("32 gb", "32GB", "32GiB")]
    [InlineData("32gb", "32GB", "32GiB")]
    [InlineData("32 GB", "32GB", "32GiB")]
    [InlineData("32Gb", "32GB", "32GiB")]
    [InlineData("32G", "32GB", "32GiB")]
    [InlineData("32gib", "32GiB", "32GB")]
    [InlineData("32 Gi", "32GiB", "32GB")]
    [InlineData("1.5GB", "1500MB", "1536MiB")]
    [InlineData("512 mb", "512MB", "512MiB")]
    public void Near_misses_get_both_readings_likeliest_first(string text, string first, string second) =>
        Assert.Equal(new[] { first, second }, MemorySize.SuggestCorrections(text));

    [Fact]
    public void Suggestions_never_exceed_what_modal_can_take()
    {
        Assert.Empty(MemorySize.SuggestCorrections("99999999999 pib"));
        Assert.Equal(new[] { "5000GB", "5000GiB" }, MemorySize.SuggestCorrections("5000 gb"));
    }

    [Theory]
    [InlineData("lots")]
    [InlineData("32")]
    [InlineData("32XB")]
    [InlineData("1.5KB")]
    public void No_suggestion_when_the_intent_is_unreadable(string text)
    {
        var suggestions = MemorySize.SuggestCorrections(text);
        Assert.DoesNotContain(suggestions, s => !MemorySize.IsWellFormed(s));
        if (text != "1.5KB")
        {
            Assert.Empty(suggestions);
        }
    }
}
