using System.Runtime.CompilerServices;
using StepOperator.Azure;
using StepOperator.Flavors;
using StepOperator.S3;

namespace StepOperator.Testing;

/// <summary>
/// The flavors of the backend projects this test assembly references, registered as a program's generated code
/// registers them (the tests are not compiled with the StepOperator generator).
/// </summary>
internal static class InstalledFlavors
{
#pragma warning disable CA2255 // A test assembly is where this belongs: it stands in for a program's generated registration.
    [ModuleInitializer]
    internal static void Register()
#pragma warning restore CA2255
    {
        FlavorCatalog.Register(new S3ArtifactStoreFlavor());
        FlavorCatalog.Register(new AzureBlobArtifactStoreFlavor());
    }
}
