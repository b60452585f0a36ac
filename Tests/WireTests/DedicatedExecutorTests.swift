import Foundation
import Testing
import Wire

/// A task that prefers a ``DedicatedExecutor`` runs on its threads, and so do its child tasks;
/// unstructured tasks do not inherit the preference, which is why the recorder and the relay
/// pass their configuration's executor to each task they start.
@Suite struct DedicatedExecutorTests {
    static let executor = DedicatedExecutor(threads: 2, name: "dxtest")

    @Test func tasksThatPreferItAndTheirChildrenRunOnItsThreads() async {
        let executor = Self.executor
        let places = await Task(executorPreference: executor) { () -> [Bool] in
            var places = [executor.isCurrent]
            await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<8 { group.addTask { executor.isCurrent } }
                for await place in group { places.append(place) }
            }
            try? await Task.sleep(nanoseconds: 1_000_000)
            places.append(executor.isCurrent)  // resumed after a suspension: still there
            return places
        }.value
        #expect(places == Array(repeating: true, count: 10))
        #expect(await Task { executor.isCurrent }.value == false)
        #expect(executor.isCurrent == false)
    }
}
