using System.Runtime.CompilerServices;

// The artifact store tests drive PartUploadStream (internal) with an in-memory service, to check
// its concurrency, ordering, failure and memory rules without a server. (The csproj's
// InternalsVisibleTo items name the runtime's own tests; this one belongs with the artifact stores.)
[assembly: InternalsVisibleTo("StepOperator.ArtifactStores.Tests")]
