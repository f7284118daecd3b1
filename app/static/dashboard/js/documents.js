// Every GraphQL document the dashboard sends, in one place. Each is marked /* GraphQL */ and
// written out whole (no interpolation), so tests/schema/test_documents.py can validate them
// against the committed admin SDL (schema/admin.graphql) and the server's limits.

export const WHO_AM_I = /* GraphQL */ `
  query DashboardMerchant {
    merchant { id name }
  }
`;

export const OVERVIEW = /* GraphQL */ `
  query DashboardOverview {
    program {
      currencyCode
      tierCounts { tier members }
    }
    economics {
      currencyCode
      pointValue
      total {
        earned redeemed expired outstanding members redemptionRate breakage
        liability { amount currencyCode }
      }
      stores {
        store { id name }
        figures { outstanding liability { amount currencyCode } }
      }
      timeline(interval: MONTH, fromFirstActivity: true) { start issued redeemed expired }
    }
    insights {
      asOf
      segments { name profiles share }
      churnBands { band profiles share }
      clvDistribution(buckets: 10) {
        currencyCode profiles
        mean { amount currencyCode }
        median { amount currencyCode }
        buckets { low { amount currencyCode } high { amount currencyCode } profiles }
      }
      lastRefresh { status asOf warning }
      modelCheck {
        currencyCode status holdoutWeeks calibrationEnd asOf customers repeatBuyers predictedTotal actualTotal
        groups { repeatOrders customers predicted actual }
      }
    }
  }
`;

export const VALUE_VIEW = /* GraphQL */ `
  query DashboardValueView {
    insights {
      asOf
      tierThresholds { atRiskAfterDays lostAfterDays vipTopShare }
      tiers { tier profiles share }
      tierRevenue { tier profiles share revenue { amount currencyCode } }
      tierTrend(last: 10) {
        at thresholdChange
        tiers { tier profiles revenue { amount currencyCode } }
      }
    }
  }
`;

export const TIER_THRESHOLDS_PREVIEW = /* GraphQL */ `
  query DashboardTierThresholdsPreview($input: TierThresholdsInput!) {
    insights {
      tierThresholdsPreview(input: $input) {
        moved
        tiers { tier before after }
        moves { from to profiles }
        changes { name current proposed moves }
        userErrors { field message code }
      }
    }
  }
`;

export const TIER_THRESHOLDS_UPDATE = /* GraphQL */ `
  mutation DashboardTierThresholdsUpdate($input: TierThresholdsInput!) {
    tierThresholdsUpdate(input: $input) {
      thresholds { atRiskAfterDays lostAfterDays vipTopShare }
      moved
      userErrors { field message code }
    }
  }
`;

export const MEMBER_FILTERS = /* GraphQL */ `
  query DashboardMemberFilters {
    stores(first: 50) { nodes { id name platform } }
    insights { segments { name profiles } }
    program { current { rules { tiers { name } } } }
  }
`;

export const MEMBERS = /* GraphQL */ `
  query DashboardMembers($first: Int, $after: String, $last: Int, $before: String, $storeId: ID,
                         $search: String, $segment: String, $tier: String, $churnBand: ChurnBand,
                         $valueTier: ValueTier) {
    members(first: $first, after: $after, last: $last, before: $before, storeId: $storeId,
            search: $search, segment: $segment, tier: $tier, churnBand: $churnBand, valueTier: $valueTier) {
      edges {
        cursor
        node {
          id
          balance { available pending }
          tier { name }
          profile {
            id displayName email churnBand
            segment { name tier }
            prediction { clv { value { amount currencyCode } } }
          }
        }
      }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
`;

export const MEMBER = /* GraphQL */ `
  query DashboardMember($id: ID!, $first: Int, $after: String, $last: Int, $before: String,
                        $ordersFirst: Int, $ordersAfter: String) {
    member(id: $id) {
      id referralCode joinedAt lastActivityAt tierSince
      balance { available pending lifetime }
      tier { name }
      nextTier { name }
      tierProgress { metric current nextThreshold remaining fraction }
      profile {
        id displayName email churnBand
        segment {
          name tier rfm rScore fScore mScore recencyDays frequency monetary { amount currencyCode } why
          scoreRanges {
            recency { score fewestDays mostDays }
            frequency { score fewestOrders mostOrders }
            monetary { score lowest { amount currencyCode } highest { amount currencyCode } }
          }
        }
        orders(first: $ordersFirst, after: $ordersAfter) {
          edges {
            cursor
            node {
              id name createdAt financialStatus fulfillmentStatus cancelledAt
              total { amount currencyCode }
              totalRefunded { amount currencyCode }
              store { name platform }
              customer { id loyalty { id } }
            }
          }
          pageInfo { hasNextPage endCursor }
        }
        facts {
          kind
          current { value observedAt platform store { name } }
          others { value observedAt platform store { name } }
        }
        predictions {
          currencyCode model dataStatus churnBand horizonDays orderProbability nextOrderAt asOf why
          probabilityAlive { value low high }
          expectedOrders { value low high }
          clv { value { amount currencyCode } low { amount currencyCode } high { amount currencyCode } }
        }
      }
      ledger(first: $first, after: $after, last: $last, before: $before) {
        edges {
          cursor
          node { id kind points pending description reason occurredAt actor store { name } }
        }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      }
      codes(first: 25) {
        nodes {
          id code status points createdAt expiresAt
          value { amount currencyCode }
          reward { name kind }
        }
      }
      perks { kind tier status code active storeName }
    }
  }
`;

export const POINTS_ADJUST = /* GraphQL */ `
  mutation DashboardPointsAdjust($input: PointsAdjustInput!) {
    pointsAdjust(input: $input) {
      member { id balance { available pending lifetime } }
      entry { id kind points reason description occurredAt }
      userErrors { field message code }
    }
  }
`;

export const SETTINGS = /* GraphQL */ `
  query DashboardSettings {
    program {
      currencyCode
      current {
        id number effectiveFrom note actor
        rules {
          currencyCode
          earnRates { currencyCode rate }
          exchangeRates { currencyCode rate }
          rounding afterDiscounts includeShipping includeTax maxPointsPerOrder
          actions { name points limit periodDays }
          release returnWindowDays expiry expiryMonths
          tierMetric tierWindow tierGraceDays
          tiers { name threshold metric multiplier entryPoints freeShipping }
          referralFriendPoints referralReferrerPoints referralCap
          pointValue codeValidDays
        }
      }
      versions(first: 5) { nodes { id number effectiveFrom note actor createdAt } }
      rewards(first: 50, includeInactive: true) {
        nodes {
          id name kind pointsCost percentOff minPoints maxPoints cashPerPoint active
          value { amount currencyCode }
          minimumSubtotal { amount currencyCode }
          minTier valueTiers startsAt earlyTier earlyStartsAt perMemberLimit limitPeriodDays stock stockLeft
        }
      }
    }
  }
`;

export const PROGRAM_PUBLISH = /* GraphQL */ `
  mutation DashboardProgramPublish($input: ProgramPublishInput!) {
    programPublish(input: $input) {
      version { id number effectiveFrom note }
      userErrors { field message code }
    }
  }
`;

export const REWARD_CREATE = /* GraphQL */ `
  mutation DashboardRewardCreate($input: RewardCreateInput!) {
    rewardCreate(input: $input) {
      reward {
        id name kind pointsCost percentOff minPoints maxPoints cashPerPoint active
        value { amount currencyCode }
        minimumSubtotal { amount currencyCode }
        minTier valueTiers startsAt earlyTier earlyStartsAt perMemberLimit limitPeriodDays stock stockLeft
      }
      userErrors { field message code }
    }
  }
`;

export const REWARD_UPDATE = /* GraphQL */ `
  mutation DashboardRewardUpdate($input: RewardUpdateInput!) {
    rewardUpdate(input: $input) {
      reward {
        id name kind pointsCost percentOff minPoints maxPoints cashPerPoint active
        value { amount currencyCode }
        minimumSubtotal { amount currencyCode }
        minTier valueTiers startsAt earlyTier earlyStartsAt perMemberLimit limitPeriodDays stock stockLeft
      }
      userErrors { field message code }
    }
  }
`;

export const SYNC_HEALTH = /* GraphQL */ `
  query DashboardSyncHealth {
    stores(first: 50) {
      nodes {
        id name platform domain installState health consecutiveFailures lastError lastSyncedAt
      }
    }
    webhookDeliveries(first: 25, status: FAILED) {
      nodes { id platform topic source status attempts error receivedAt store { name } }
    }
    failedJobs(first: 25) {
      nodes { id function arguments tries maxTries lastError createdAt finishedAt }
    }
  }
`;

export const WEBHOOK_REPLAY = /* GraphQL */ `
  mutation DashboardWebhookReplay($input: WebhookDeliveryReplayInput!) {
    webhookDeliveryReplay(input: $input) {
      webhookDelivery { id status }
      userErrors { field message code }
    }
  }
`;

export const JOB_REPLAY = /* GraphQL */ `
  mutation DashboardJobReplay($input: FailedJobReplayInput!) {
    failedJobReplay(input: $input) {
      job { id function }
      userErrors { field message code }
    }
  }
`;

export const CAMPAIGNS = /* GraphQL */ `
  query DashboardCampaigns($first: Int, $after: String, $last: Int, $before: String) {
    campaigns(first: $first, after: $after, last: $last, before: $before) {
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      nodes {
        id name kind status entered sent lastRunAt
        results { summary finding treated { members } holdout { members } }
      }
    }
    campaignTemplates {
      kind name description messageKind periodDays holdoutPercent attributionDays audience
      actions { points email event code { kind value validDays minimumSubtotal } }
    }
    mailSettings { senderName brandColour accentColour locale quietStartHour quietEndHour frequencyCap frequencyDays }
  }
`;

export const MAIL_SETTINGS_UPDATE = /* GraphQL */ `
  mutation DashboardMailSettingsUpdate($input: MailSettingsInput!) {
    mailSettingsUpdate(input: $input) {
      settings { senderName brandColour accentColour locale quietStartHour quietEndHour frequencyCap frequencyDays }
      userErrors { field message code }
    }
  }
`;

export const CAMPAIGN = /* GraphQL */ `
  query DashboardCampaign($id: ID!) {
    campaign(id: $id) {
      id name kind status audience periodDays holdoutPercent attributionDays subject body
      launchedAt pausedAt lastRunAt createdAt entered sent
      actions { points email event code { kind value validDays minimumSubtotal } }
      results {
        currencyCode summary finding
        treated { ...GroupFigures }
        holdout { ...GroupFigures }
        conversionUplift { value low high }
        incrementalCustomers { value low high }
        revenuePerMemberUplift { value { amount currencyCode } low { amount currencyCode } high { amount currencyCode } }
        cost { amount currencyCode }
        costPerIncrementalCustomer { value { amount currencyCode } low { amount currencyCode } high { amount currencyCode } }
        definitions { figure label definition }
      }
    }
    messages(first: 20, campaignId: $id) {
      nodes { id toEmail subject status reason attempts sentAt sendAfter }
    }
  }
  fragment GroupFigures on CampaignGroupResults {
    members recipients delivered opened bounced failed skipped codesIssued codesFailed codesRedeemed
    customers conversion orders revenue { amount currencyCode } revenuePerMember { amount currencyCode }
  }
`;

export const CAMPAIGN_CREATE = /* GraphQL */ `
  mutation DashboardCampaignCreate($input: CampaignCreateInput!) {
    campaignCreate(input: $input) {
      campaign { id name }
      userErrors { field message code }
    }
  }
`;

export const CAMPAIGN_PREVIEW = /* GraphQL */ `
  mutation DashboardCampaignPreview($input: CampaignIdInput!) {
    campaignPreview(input: $input) {
      preview {
        audienceSize treated holdout costBasis
        estimatedCost { amount currencyCode }
        sample { group member { id } profile { id displayName email } }
        email { subject html text toEmail locale }
      }
      userErrors { field message code }
    }
  }
`;

export const CAMPAIGN_LAUNCH = /* GraphQL */ `
  mutation DashboardCampaignLaunch($input: CampaignIdInput!) {
    campaignLaunch(input: $input) {
      campaign { id status launchedAt }
      userErrors { field message code }
    }
  }
`;

export const CAMPAIGN_PAUSE = /* GraphQL */ `
  mutation DashboardCampaignPause($input: CampaignIdInput!) {
    campaignPause(input: $input) {
      campaign { id status pausedAt }
      userErrors { field message code }
    }
  }
`;

export const REVIEW_INTAKE = /* GraphQL */ `
  query DashboardReviewIntake {
    stores(first: 50) {
      nodes {
        id name platform
        reviewIntake { url secret signatureHeader storeKey example }
      }
    }
  }
`;
